"""The console's services, SLO, snooze and incident pages over HTTP, on a day at the store's real
volume (tests/integration/slo_store.py) with the success SLO, a policy watching its burn rate over
1 h and over 6 h, and snoozes — all made through the official clients against an emulator whose
clock stands at the instant the figures are worked out for, so every figure a page shows is one
computed here from the list of runs."""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.monitoring_emulator._server import Emulator, EmulatorConfig
from tests.integration.slo_store import END, HOUR, SLO_ID, S, create_slo, runs_in, write_runs

NOW = [END * S]  # the emulator's clock


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    running = Emulator(EmulatorConfig(port=0, http_port=0, evaluate_every_s=0), clock=lambda: NOW[0])
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def day(emulator: Emulator) -> dict[str, str]:
    """The runs, the SLO, a policy with a fast (1 h > 5) and a slow (6 h > 2) burn-rate condition,
    evaluated once at END: the fast one trips."""
    settings = Settings(project_id="console-slo", monitoring_emulator_host=emulator.address)
    write_runs(settings)
    slo = create_slo(settings)

    def burn(name: str, lookback: str, threshold: float) -> dict:
        return {
            "display_name": name,
            "condition_threshold": {
                "filter": f'select_slo_burn_rate("{slo}", "{lookback}")',
                "comparison": "COMPARISON_GT",
                "threshold_value": threshold,
                "duration": "0s",
                "trigger": {"count": 1},
            },
        }

    policy = (
        ClientFactory(settings)
        .alert_policy()
        .create_alert_policy(
            name=f"projects/{settings.project_id}",
            alert_policy={
                "display_name": "Helios: run success budget burning",
                "combiner": "OR",
                "conditions": [burn("fast burn", "3600s", 5.0), burn("slow burn", "21600s", 2.0)],
            },
        )
    )
    emulator.evaluator.evaluate(END * S, settings.project_id)
    return {"project": settings.project_id, "slo": slo, "policy": policy.name, "url": emulator.http_url}


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read().decode()


def text_of(page: str) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def rows_of(page: str) -> list[str]:
    return [text_of(row).strip() for row in re.findall(r"<tr>.*?</tr>", page, re.S)]


def test_the_figures_the_pages_show_are_these():
    """What every test below reads, worked out from the runs: all 115 in the 7-day period."""
    assert runs_in(END - 7 * 86400, END) == (115, 13)  # compliance 102/115 = 88.7 %; budget 17.25, 4.25 left
    assert runs_in(END - HOUR, END) == (5, 4)  # burn 0.8 / 0.15 = 5.33
    assert runs_in(END - 6 * HOUR, END) == (30, 6)  # burn 0.2 / 0.15 = 1.33


def test_the_index_links_services_snoozes_and_incidents(day):
    _, page = fetch(f"{day['url']}/")
    for href in ("/services", "/snoozes", "/incidents"):
        assert f'href="{href}"' in page


def test_the_services_page_lists_the_service_and_its_slo_with_its_figures_now(day):
    status, page = fetch(f"{day['url']}/services")
    assert status == 200
    assert "Helios pipeline · helios-pipeline · console-slo" in text_of(page)
    assert f'href="/services/console-slo/helios-pipeline/{SLO_ID}"' in page
    (row,) = [r for r in rows_of(page) if r.startswith("85 % of pipeline runs")]
    assert row == "85 % of pipeline runs succeed over 7 days 85 % 7 d rolling 88.7 % 24.6 % 5.33× 1.33×"


def test_the_slo_page_shows_its_sli_figures_burn_chart_and_the_policies_watching_it(day):
    status, page = fetch(f"{day['url']}/services/console-slo/helios-pipeline/{SLO_ID}?range=1d")
    assert status == 200
    text = text_of(page)
    assert f"name {day['slo']}" in text
    assert 'good service filter metric.type = "custom.googleapis.com/helios/pipeline_run_count"' in text
    assert "goal 85 % period 7 d rolling" in text
    for figure in (
        "compliance 88.7 % goal 85 %",
        "error budget left 24.6 % 4.25 of 17.25 bad events",
        "burn rate 1 h 5.33×",
        "burn rate 6 h 1.33×",
    ):
        assert figure in text, figure
    burn = page.split('id="burn"', 1)[1].split("</div>", 1)[0]
    assert "<svg" in burn
    assert "<polyline" in burn or "<path" in burn
    rows = rows_of(page)
    assert "Helios: run success budget burning fast burn 1 h 5 5.33×" in rows
    assert "Helios: run success budget burning slow burn 6 h 2 1.33×" in rows
    (incident,) = [r for r in rows if r.startswith("open")]
    assert "fast burn lookback 1 h" in incident


def test_the_incidents_say_which_condition_and_window_tripped(day):
    _, listing = fetch(f"{day['url']}/incidents")
    (row,) = [r for r in rows_of(listing) if "budget burning" in r]
    assert row.startswith("open Helios: run success budget burning fast burn lookback 1 h")
    assert row.endswith("5.33333 > 5")
    incident_id = re.search(r'href="/incidents/([^"]+)"', listing).group(1)
    _, page = fetch(f"{day['url']}/incidents/{incident_id}")
    assert "condition fast burn window lookback 1 h" in text_of(page)


def test_an_unknown_slo_is_not_found(day):
    for path in ("/services/console-slo/helios-pipeline/nope", "/services/console-slo", "/services/x/y/z"):
        assert fetch(f"{day['url']}{path}")[0] == 404, path


def _snooze_client(emulator: Emulator):
    return ClientFactory(Settings(project_id="console-slo", monitoring_emulator_host=emulator.address)).snooze()


def test_snoozes_read_as_active_scheduled_and_ended_with_the_policies_they_cover(day, emulator):
    client = _snooze_client(emulator)
    parent = f"projects/{day['project']}"

    def snooze(name: str, start: int, end: int, **criteria) -> None:
        client.create_snooze(
            parent=parent,
            snooze={
                "display_name": name,
                "criteria": {"policies": [day["policy"]], **criteria},
                "interval": {"start_time": {"seconds": start}, "end_time": {"seconds": end}},
            },
        )

    NOW[0] = (END - 1800) * S  # half an hour earlier: a deploy window that has ended by END
    try:
        snooze("deploy 1.4", END - 1800, END - 600)
    finally:
        NOW[0] = END * S
    snooze("deploy 1.5", END, END + HOUR)
    snooze("maintenance", END + 2 * HOUR, END + 3 * HOUR, filter='resource.labels.project_id = "console-slo"')
    status, page = fetch(f"{day['url']}/snoozes")
    assert status == 200
    text = text_of(page)
    active = text.split("Active (1)", 1)[1].split("Scheduled (1)", 1)[0]
    scheduled = text.split("Scheduled (1)", 1)[1].split("Ended (1)", 1)[0]
    ended = text.split("Ended (1)", 1)[1]
    ident = day["policy"].rsplit("/", 1)[1]
    assert "deploy 1.5" in active
    assert f"Helios: run success budget burning ({ident})" in active
    assert "maintenance" in scheduled
    assert 'only series matching resource.labels.project_id = "console-slo"' in scheduled
    assert "deploy 1.4" in ended
    assert datetime.fromtimestamp(END + HOUR, UTC).strftime("%d %b %Y %H:%M:%S") in active
