"""The contract every Helios component shares: the metric catalog, the wire format, the settings
object, the one client factory and the definition of a transient failure.

Importing it has no side effects and loads no gRPC or Google client library (a test checks this):
the publisher, the collector's pure core, ``setup_infra`` and the emulator all build on it.
"""

from .catalog import CATALOG, METRIC_KIND, METRIC_PREFIX, Buckets, LabelSpec, MetricSpec, Reduction, spec
from .clients import ClientFactory
from .settings import Settings, SettingsError
from .transient import is_ambiguous, is_transient, is_transient_code
from .wire import DecodedMessage, EncodedMessage, InvalidMessage, decode_message, encode_message

__all__ = [
    "CATALOG",
    "METRIC_KIND",
    "METRIC_PREFIX",
    "Buckets",
    "ClientFactory",
    "DecodedMessage",
    "EncodedMessage",
    "InvalidMessage",
    "LabelSpec",
    "MetricSpec",
    "Reduction",
    "Settings",
    "SettingsError",
    "decode_message",
    "encode_message",
    "is_ambiguous",
    "is_transient",
    "is_transient_code",
    "spec",
]
