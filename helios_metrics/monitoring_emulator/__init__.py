"""A local Cloud Monitoring API that the unmodified official clients talk to.

It speaks the real gRPC API, enforces the service's write rules with Google's status codes and
messages, keeps data in SQLite, and offers fault injection for tests. See the README.
"""

from ._server import Emulator, EmulatorConfig

__all__ = ["Emulator", "EmulatorConfig"]
