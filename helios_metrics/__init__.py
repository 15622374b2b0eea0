"""Helios metrics: the publisher pipeline code imports, the contract, the Pub/Sub collector,
the performance report, Cloud Monitoring provisioning, the local Monitoring emulator and the
alert scenarios, under one distinctive top-level name."""

__all__ = ["__version__"]

__version__ = "0.1.0"
