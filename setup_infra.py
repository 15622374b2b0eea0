"""``setup_infra`` in a checkout is ``helios_metrics.setup_infra``, provisioning
(``from setup_infra import Infra``, ``python -m setup_infra plan|apply|verify|…``).
The same module objects, not copies (see ``_checkout_aliases``); the installed distribution has
only ``helios_metrics.setup_infra``."""

from typing import TYPE_CHECKING

import _checkout_aliases

if TYPE_CHECKING:
    from helios_metrics.setup_infra import *  # noqa: F403

if __name__ == "__main__":
    _checkout_aliases.run("setup_infra")
else:
    _checkout_aliases.alias(__name__)
