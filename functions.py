"""``functions`` in a checkout is ``helios_metrics.functions``, the collector
(``from functions import build_collector``, ``python -m functions collect|report``).
The same module objects, not copies (see ``_checkout_aliases``); the installed distribution has
only ``helios_metrics.functions``."""

from typing import TYPE_CHECKING

import _checkout_aliases

if TYPE_CHECKING:
    from helios_metrics.functions import *  # noqa: F403

if __name__ == "__main__":
    _checkout_aliases.run("functions")
else:
    _checkout_aliases.alias(__name__)
