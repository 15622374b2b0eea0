"""The HTTP rules the REST side serves: one for every method the emulator serves, and the same
paths and verbs as Google's own published descriptions of the API (the dashboards client's REST
transport and googleapiclient's discovery documents)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.cloud.monitoring_dashboard_v1.services.dashboards_service.transports import rest_base

from helios_metrics.monitoring_emulator._rest import routes_of
from helios_metrics.monitoring_emulator._rest_rules import RULES, bindings
from helios_metrics.monitoring_emulator._rest_template import compile_template
from helios_metrics.monitoring_emulator._server import Emulator, EmulatorConfig


def every_rule() -> Iterator[tuple[str, str, str, str]]:
    """(service, method, HTTP verb, path template) of every binding in the table."""
    for service, methods in RULES.items():
        for method in methods:
            for rule in bindings(service, method):
                verb = rule.WhichOneof("pattern")
                yield service, method, verb.upper(), getattr(rule, verb)


def test_every_method_the_emulator_serves_has_a_rule_and_a_route():
    emulator = Emulator(EmulatorConfig(port=0, http_port=0, evaluate_every_s=0))
    emulator.start()
    try:
        served = {(service, method) for service, handlers in emulator._services.items() for method in handlers}
        routes = routes_of(emulator._services)
    finally:
        emulator.stop()
    assert not {pair for pair in served if not bindings(*pair)}
    assert {route.method for route in routes if route.handler is not None} == {method for _, method in served}
    unserved = {route.method for route in routes if route.handler is None}  # Google's, answered UNIMPLEMENTED
    assert unserved == {method for service, methods in RULES.items() for method in methods} - {m for _, m in served}


def test_the_dashboard_rules_are_the_rest_transports_own():
    service = "google.monitoring.dashboard.v1.DashboardsService"
    for method in RULES[service]:
        expected = getattr(rest_base._BaseDashboardsServiceRestTransport, f"_Base{method}")._get_http_options()
        (rule,) = bindings(service, method)
        verb = rule.WhichOneof("pattern")
        assert [{"method": verb, "uri": getattr(rule, verb), **({"body": rule.body} if rule.body else {})}] == expected


def discovery_methods(document: str) -> Iterator[tuple[str, str, str]]:
    """(HTTP verb, flat path with each placeholder made a sample segment, method id) from a
    googleapiclient discovery document."""
    documents = Path(pytest.importorskip("googleapiclient").__file__).parent / "discovery_cache" / "documents"
    resources = [json.loads((documents / document).read_text())["resources"]]
    while resources:
        for resource in resources.pop().values():
            for method in resource.get("methods", {}).values():
                path = "/" + re.sub(r"\{[^}]+\}", "x1", method.get("flatPath", method["path"]))
                yield method["httpMethod"], path, method["id"]
            resources.append(resource.get("resources", {}))


def test_every_rule_is_a_path_and_verb_of_googles_discovery_documents():
    published = [*discovery_methods("monitoring.v3.json"), *discovery_methods("monitoring.v1.json")]
    unmatched = []
    for service, method, verb, path in every_rule():
        template = compile_template(path)
        found = [ident for http, flat, ident in published if http == verb and template.match(flat) is not None]
        if not found:
            unmatched.append(f"{service}.{method}: {verb} {path}")
    assert unmatched == []


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        (
            "/v3/{name=projects/*/metricDescriptors/**}",
            "/v3/projects/p/metricDescriptors/custom.googleapis.com/a/b",
            {"name": "projects/p/metricDescriptors/custom.googleapis.com/a/b"},
        ),
        (
            "/v3/{name=projects/*/metricDescriptors/**}",
            "/v3/projects/p/metricDescriptors/custom.googleapis.com%2Fa",
            {"name": "projects/p/metricDescriptors/custom.googleapis.com/a"},
        ),
        (
            "/v3/{name=projects/*/notificationChannels/*}:verify",
            "/v3/projects/p/notificationChannels/7:verify",
            {"name": "projects/p/notificationChannels/7"},
        ),
        ("/v3/{name=projects/*/notificationChannels/*}:verify", "/v3/projects/p/notificationChannels/7", None),
        ("/v3/{name=projects/*}/timeSeries", "/v3/projects/p/timeSeries:createService", None),
        (
            "/v3/{name=projects/*}/timeSeries:createService",
            "/v3/projects/p/timeSeries:createService",
            {"name": "projects/p"},
        ),
        ("/v3/{parent=*/*}/services", "/v3/workspaces/w/services", {"parent": "workspaces/w"}),
        (
            "/v3/{alert_policy.name=projects/*/alertPolicies/*}",
            "/v3/projects/p/alertPolicies/1",
            {"alert_policy.name": "projects/p/alertPolicies/1"},
        ),
        ("/v3/{name=projects/*/alertPolicies/*}", "/v3/projects/p/alertPolicies/1/extra", None),
        ("/v3/uptimeCheckIps", "/v3/uptimeCheckIps", {}),
    ],
)
def test_path_templates_bind_their_variables(template, path, expected):
    assert compile_template(template).match(path) == expected


@pytest.mark.parametrize("bad", ["v3/x", "/v3/{Name}", "/v3/{name=projects/{x}}", "/v3/a=b"])
def test_a_malformed_template_is_refused_naming_it(bad):
    with pytest.raises(ValueError, match="path template"):
        compile_template(bad)
