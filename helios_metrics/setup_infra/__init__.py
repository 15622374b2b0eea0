"""``python -m setup_infra``: the descriptors, Pub/Sub resources, the pipeline's service and its
success SLO, notification channels, alert policies and dashboards of the Helios store, reconciled
from a declarative desired state; ``python -m setup_infra snooze`` silences the alerts for planned work.

from helios_metrics.setup_infra import Infra, load_config
infra = Infra(Settings.from_env(), load_config("infra.toml"))
plan = infra.plan()        # pure planning over what exists; unconfigured channels are kept
infra.apply(plan)          # creates and updates in place; never deletes (each delete: "kept …")
infra.apply(infra.plan(prune_channels=True), allow_delete=True)   # what `apply --prune-channels --yes` does
infra.apply(infra.destroy_plan(delete_data=False), allow_delete=True)  # `destroy --yes`: descriptors kept
"""

from .config import ConfigError, InfraConfig, load_config
from .engine import Infra
from .model import Change, Plan, Resource

__all__ = ["Change", "ConfigError", "Infra", "InfraConfig", "Plan", "Resource", "load_config"]
