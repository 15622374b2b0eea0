"""``publisher`` in a checkout is ``helios_metrics.publisher``, what pipeline code imports
(``from publisher import MetricsPublisher``).
The same module objects, not copies (see ``_checkout_aliases``); the installed distribution has
only ``helios_metrics.publisher``."""

from typing import TYPE_CHECKING

import _checkout_aliases

if TYPE_CHECKING:
    from helios_metrics.publisher import *  # noqa: F403

if __name__ == "__main__":
    _checkout_aliases.run("publisher")
else:
    _checkout_aliases.alias(__name__)
