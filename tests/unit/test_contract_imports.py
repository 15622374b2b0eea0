"""The contract and the pure core import cleanly: no gRPC, no Pub/Sub or Monitoring client, no
process hooks — checked in a fresh interpreter, where nothing else has loaded them already."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def probe(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_the_contract_and_the_core_load_no_client_library_and_install_no_hook():
    code = """
import json, sys
import contract.catalog, contract.wire, contract.settings, contract.clients, contract.transient, contract
import functions.aggregate
import publisher
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "grpc"
                or m.startswith(("google.cloud.pubsub_v1", "google.pubsub_v1", "google.cloud.monitoring_v3",
                                 "google.api_core")))
print(json.dumps({"loaded": loaded, "publisher_module": "publisher.metrics_publisher" in sys.modules}))
"""
    assert probe(code) == {"loaded": [], "publisher_module": False}


def test_process_hooks_are_installed_by_the_first_publisher_once():
    code = """
import atexit, json
import publisher.metrics_publisher as mp
from contract import Settings
before = (mp._hooks_installed, atexit._ncallbacks())
settings = Settings(project_id="p", pubsub_emulator_host="127.0.0.1:9")
publishers = [mp.MetricsPublisher(settings=settings, spool_dir="/tmp/helios-import-probe") for _ in range(5)]
after = (mp._hooks_installed, atexit._ncallbacks())
for p in publishers:
    p.close(0.1)
print(json.dumps({"before": before, "after": after}))
"""
    result = probe(code)
    assert result["before"][0] is False
    assert result["after"][0] is True
    assert result["after"][1] - result["before"][1] == 1  # one exit hook for all five
