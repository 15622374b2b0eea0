"""``python -m setup_infra``: the descriptors, Pub/Sub resources, notification channels, alert
policies and dashboards of the Helios store, reconciled from a declarative desired state.

from setup_infra import Infra, load_config
infra = Infra(Settings.from_env(), load_config("infra.toml"))
plan = infra.plan()        # pure planning over what exists
infra.apply(plan)          # creates, updates in place, deletes only what it manages
"""

from .config import ConfigError, InfraConfig, load_config
from .engine import Infra
from .model import Change, Plan, Resource

__all__ = ["Change", "ConfigError", "Infra", "InfraConfig", "Plan", "Resource", "load_config"]
