"""The console in headless Chromium (Debian's): both dashboards render every widget with data from
a day the demo's simulation produced (collected, evaluated and analysed as in production, the
forecast written as the scheduled job writes it; static and burn-rate policies both applied), the
incidents page lists the incidents with their shares, the link a notification carries opens that
incident's page, the success SLO's page shows its budget and burn rates charted with the policies
watching them, the snoozes page what a snooze covers, the explorer opens on a working query and
plots a chosen metric — and no page asks for anything outside loopback. Screenshots are kept in
``test-artifacts/``."""

from __future__ import annotations

import html
import json
import random
import re
import subprocess
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

import demo
from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.functions import Collector
from helios_metrics.monitoring_emulator.breach import reading
from helios_metrics.monitoring_emulator.launch import chromium
from helios_metrics.publisher import MetricsPublisher, PublisherOptions
from helios_metrics.reporting import PerformanceReporter
from helios_metrics.setup_infra import Infra, load_config
from tests.conftest import IN_CI

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> str:
    found = chromium()
    if found is None:
        if IN_CI:
            pytest.fail("CI=true requires Debian's chromium for the browser tests (make browser installs it)")
        pytest.skip("chromium is not installed (make browser installs it)")
    return found


@pytest.fixture(scope="module")
def day(pubsub_emulator, monitoring_emulator, tmp_path_factory):
    """A provisioned project with a simulated day collected into it, alerts evaluated, analysis written."""
    project = "console-day"
    settings = Settings(
        project_id=project,
        pubsub_emulator_host=pubsub_emulator.address,
        monitoring_emulator_host=monitoring_emulator.address,
        spool_dir=str(tmp_path_factory.mktemp("spool")),
    )
    config = load_config(env={"HELIOS_ALERT_EMAIL": "oncall@example.com"})  # outbox only
    config = replace(config, alerts=replace(config.alerts, mode="both"))  # the static and the SLO's policies
    infra = Infra(settings, config)
    infra.apply(infra.plan(), report=lambda line: None)
    clock = [time.time_ns()]
    now = clock[0]
    metrics = MetricsPublisher(settings=settings, options=PublisherOptions(max_latency_s=0.01), clock=lambda: clock[0])
    demo.simulate_day(metrics, clock, now, random.Random(5))
    metrics.flush(30)
    metrics.close()
    factory = ClientFactory(settings)
    factory.publisher_api().publish(
        topic=settings.topic_path, messages=[{"data": b"not a metric", "attributes": {"schema": "helios.metrics.v1"}}]
    )
    monitoring_emulator.admin.inject(
        "CreateTimeSeries", "INTERNAL", series_filter='metric.labels.stage = "publication"'
    )
    collector = Collector.from_clients(
        settings, factory.subscriber(), factory.publisher_api(), factory.metric_service(), pull_wait_s=1.0
    )
    while collector.collect_once(budget_s=30).pulled:
        pass
    monitoring_emulator.admin.clear_faults()
    monitoring_emulator.admin.evaluate(project=project)
    PerformanceReporter(settings, factory.metric_service()).analysis(6 * 3600, write=True)
    return monitoring_emulator.http_url, project


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode()


def rendered(browser: str, url: str, name: str, height: int = 2300) -> str:
    """The DOM Chromium built for ``url``, and a screenshot of it in test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--hide-scrollbars"]
    subprocess.run(
        [browser, *flags, f"--window-size=1280,{height}", f"--screenshot={ARTIFACTS / name}", url],
        capture_output=True,
        timeout=120,
        check=False,
    )
    dom = subprocess.run([browser, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert (ARTIFACTS / name).stat().st_size > 10_000
    return dom.stdout


def widgets(dom: str) -> list[str]:
    return re.findall(r'<div class="widget" data-kind="[^"]+">.*?</div>(?=</div>)', dom, re.S)


@pytest.mark.parametrize(("key", "count"), [("helios-main", 6), ("helios-performance", 16)])
def test_each_dashboard_renders_every_widget_with_data(browser, day, key, count):
    console, project = day
    height = 400 + 450 * -(-count // 2)  # every row of two widgets in the screenshot
    dom = rendered(browser, f"{console}/dashboards/{project}/{key}?range=1d", f"dashboard-{key}.png", height)
    found = widgets(dom)
    assert len(found) == count
    for widget in found:
        assert "No data" not in widget, widget[:300]
        assert "fails" not in widget, widget[:300]
        assert "<svg" in widget or "<table" in widget, widget[:300]


def success_rate_incident(day) -> dict:
    console, project = day
    found = [
        i
        for i in json.loads(fetch(f"{console}/admin/incidents"))
        if i["scoping_project_id"] == project and i["policy_user_labels"].get("helios_key") == "pipeline-success-rate"
    ]
    assert found, "the simulated day opens the success-rate alert"
    return found[0]


def test_the_incidents_page_lists_the_days_incidents(browser, day):
    console, _ = day
    dom = rendered(browser, f"{console}/incidents", "incidents.png")
    assert "Helios: pipeline execution time &gt; 300 s" in dom
    assert "Helios: pipeline success rate &lt; 85%" in dom
    incident = success_rate_incident(day)
    shares = str(reading(incident))  # e.g. "66.7 % < 85 %": a share against its threshold
    assert re.fullmatch(r"\d+(\.\d+)? % [<>]=? \d+(\.\d+)? %", shares), shares
    assert html.escape(shares) in dom
    assert f'href="/incidents/{incident["incident_id"]}"' in dom


def test_the_link_in_a_notification_opens_that_incidents_page(browser, day):
    console, _ = day
    incident = success_rate_incident(day)
    emails = [
        n["message"]
        for n in json.loads(fetch(f"{console}/admin/notifications"))
        if n["incident_id"] == incident["incident_id"] and n["type"] == "email"
    ]
    link = emails[0]["body"].splitlines()[-1].removeprefix("View incident: ")
    assert link == incident["url"]
    dom = rendered(browser, link, "incident.png")
    assert "Incident: Helios: pipeline success rate &lt; 85%" in dom
    assert html.escape(str(reading(incident))) in dom
    assert "<h4>Pipeline runs are failing</h4>" in dom  # the runbook, rendered
    assert "<svg" in dom.split("The condition around the incident", 1)[1]
    assert "<td>email</td>" in dom


SLO_PAGE = "/services/{project}/helios-pipeline/run-success"


def test_the_slo_page_shows_its_budget_and_burn_rates_beside_the_policies_watching_them(browser, day):
    console, project = day
    dom = rendered(browser, f"{console}{SLO_PAGE.format(project=project)}?range=1d", "slo.png")
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", dom)))
    for label in ("compliance", "error budget left", "burn rate 1 h", "burn rate 6 h", "good service filter"):
        assert label in text, label
    assert re.search(r"error budget left -?\d+(\.\d+)? % -?\d", text), text[:500]
    burn = dom.split('id="burn"', 1)[1].split("</div>", 1)[0]
    assert "<svg" in burn
    assert "No data" not in burn
    watched = dom.split("Alert policies on this SLO", 1)[1]
    for lookback in ("36 min", "12 h", "4 h", "24 h"):  # the burn-rate policies' windows
        assert f"<td>{lookback}</td>" in watched, lookback
    listing = rendered(browser, f"{console}/services", "services.png")
    assert f'href="{SLO_PAGE.format(project=project)}"' in listing


def test_the_snoozes_page_shows_a_snooze_and_the_policies_it_covers(browser, day, monitoring_emulator):
    console, project = day
    settings = Settings(project_id=project, monitoring_emulator_host=monitoring_emulator.address)
    policies = {
        p.user_labels["helios_key"]: p
        for p in ClientFactory(settings).alert_policy().list_alert_policies(name=f"projects/{project}")
    }
    now = int(time.time())
    ClientFactory(settings).snooze().create_snooze(
        parent=f"projects/{project}",
        snooze={
            "display_name": "deploy window",
            "criteria": {"policies": [policies["slo-fast-burn"].name, policies["slo-slow-burn"].name]},
            "interval": {"start_time": {"seconds": now}, "end_time": {"seconds": now + 3600}},
        },
    )
    dom = rendered(browser, f"{console}/snoozes", "snoozes.png")
    active = dom.split("Active (", 1)[1].split("Scheduled (", 1)[0]
    assert "deploy window" in active
    for key in ("slo-fast-burn", "slo-slow-burn"):
        assert html.escape(policies[key].display_name) in active


def test_the_explorer_opens_on_a_query_that_works(browser, day):
    console, project = day
    dom = rendered(browser, f"{console}/explorer?project={project}", "explorer-default.png")
    plot = dom.split('id="plot"', 1)[1]
    assert "The query fails" not in plot
    assert "<svg" in plot
    assert "The query fails" not in fetch(f"{console}/explorer")


def test_the_explorer_plots_a_chosen_metric(browser, day):
    console, project = day
    query = "metric=custom.googleapis.com/helios/stage_duration&aligner=ALIGN_SUM&reducer=REDUCE_PERCENTILE_95"
    dom = rendered(
        browser, f"{console}/explorer?project={project}&{query}&group_by=metric.labels.stage", "explorer.png"
    )
    plot = dom.split('id="plot"', 1)[1]
    assert "<svg" in plot
    for stage in demo.STAGES:
        assert f"stage={stage}" in plot


def test_no_page_refers_to_anything_outside_loopback(day):
    console, project = day
    for path in (
        "/",
        f"/dashboards/{project}/helios-main",
        f"/dashboards/{project}/helios-performance",
        "/incidents",
        "/notifications",
        "/explorer",
        f"/incidents/{success_rate_incident(day)['incident_id']}",
        "/services",
        SLO_PAGE.format(project=project),
        "/snoozes",
    ):
        page = fetch(console + path)
        for reference in re.findall(r'(?:src|href|action)="([^"]*)"', page):
            assert reference.startswith(("/", "?", "#")), (path, reference)
        assert "<script" not in page
        assert "@import" not in page
        assert "url(" not in page
