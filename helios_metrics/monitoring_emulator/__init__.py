"""A local Cloud Monitoring API that the unmodified official clients talk to.

It speaks the real gRPC API, enforces the service's write rules with Google's status codes and
messages, keeps data in SQLite, and offers fault injection for tests. See the README.

Names load on first use: the pytest plugin (``pytest_plugin``, which pytest loads in every
environment the distribution is installed in) imports this package without the Monitoring
client libraries, which only the ``emulator`` extra installs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helios_metrics.contract.lazy import lazy_exports

if TYPE_CHECKING:
    from ._server import Emulator, EmulatorConfig

__all__ = ["Emulator", "EmulatorConfig"]

__getattr__, __dir__ = lazy_exports(__name__, {"Emulator": "._server", "EmulatorConfig": "._server"})
