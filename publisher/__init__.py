"""What pipeline code imports to record Helios metrics."""

from .clients import ClientFactory
from .settings import Settings, SettingsError

__all__ = ["ClientFactory", "Settings", "SettingsError"]
