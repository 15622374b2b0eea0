"""Template variables in dashboard filters, and the period a chart picks when its aligner names
none: what each ``${var}`` stands for, and how many points a chart draws over its range."""

from __future__ import annotations

import pytest
from google.cloud.monitoring_dashboard_v1.types import dashboard_filter

from helios_metrics.contract.units import NS
from helios_metrics.monitoring_emulator._console_widgets import chart_period_ns
from helios_metrics.monitoring_emulator._dashboard_variables import PLACEHOLDER, expand, has_variables, terms
from helios_metrics.monitoring_emulator._filters import parse_filter

TEXT = 'metric.type="m" resource.type="k8s_container" ${cluster_name} ${project_id}'


def filters(*specs: tuple[str, str, str, str]) -> list:
    make = dashboard_filter.DashboardFilter.pb()
    return [
        make(
            filter_type=dashboard_filter.DashboardFilter.FilterType[kind],
            label_key=key,
            template_variable=name,
            string_value=value,
        )
        for kind, key, name, value in specs
    ]


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        (TEXT, 'metric.type="m" resource.type="k8s_container"'),
        ('metric.type="m" AND ${cluster_name}', 'metric.type="m"'),  # the AND that joined it goes too
        ('${cluster_name} AND metric.type="m"', 'metric.type="m"'),
        ('metric.type="m" metric.label.k="${cluster_name.value}"', f'metric.type="m" metric.label.k="{PLACEHOLDER}"'),
        ('metric.type="m"', 'metric.type="m"'),
    ],
)
def test_unvalued_variables_stand_for_nothing_and_the_rest_still_parses(text, expanded):
    assert expand(text) == expanded
    assert parse_filter(expand(text)).pinned_values("metric.type") == {"m"}


def test_a_valued_variable_stands_for_its_label_term():
    given = terms(
        filters(
            ("RESOURCE_LABEL", "cluster_name", "cluster_name", "prod"),
            ("RESOURCE_LABEL", "project_id", "project_id", ""),
            ("METRIC_LABEL", "status", "status", 'fail"ed'),
            ("SYSTEM_METADATA_LABEL", "name", "vm", "web-1"),
            ("RESOURCE_LABEL", "location", "", "global"),  # pinned, not a variable
        )
    )
    assert set(given) == {"cluster_name", "project_id", "status", "vm"}
    assert expand(TEXT, given) == 'metric.type="m" resource.type="k8s_container" resource.labels.cluster_name = "prod"'
    assert given["status"][0] == 'metric.labels.status = "fail\\"ed"'
    assert given["vm"][0] == 'metadata.system_labels.name = "web-1"'
    assert expand('metric.label.k="${cluster_name.value}"', given) == 'metric.label.k="prod"'
    overridden = terms(filters(("RESOURCE_LABEL", "cluster_name", "cluster_name", "prod")), {"cluster_name": "dev"})
    assert overridden["cluster_name"] == ('resource.labels.cluster_name = "dev"', "dev")


def test_text_without_variables_is_left_alone():
    assert not has_variables('metric.type="m" metric.label.cost="$5"')
    assert has_variables(TEXT)


@pytest.mark.parametrize(
    ("span_s", "minimum_s", "period_s"),
    [
        (3600, 0, 60),  # an hour: a point a minute
        (6 * 3600, 0, 300),
        (24 * 3600, 0, 900),
        (7 * 86400, 0, 7200),
        (3600, 600, 600),  # never shorter than the data set's minAlignmentPeriod
        (400 * 86400, 0, 86400),
    ],
)
def test_a_chart_without_a_period_draws_at_most_a_hundred_points(span_s, minimum_s, period_s):
    assert chart_period_ns(0, span_s * NS, minimum_s * NS) == period_s * NS
