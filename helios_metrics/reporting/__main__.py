"""``python -m helios_metrics.reporting``: see :mod:`helios_metrics.reporting.cli`."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
