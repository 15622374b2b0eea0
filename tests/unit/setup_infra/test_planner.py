"""Planning over plain values: server defaults and references never show as changes; real edits do."""

from __future__ import annotations

from helios_metrics.setup_infra.model import Resource, ref
from helios_metrics.setup_infra.planner import plan

CHART = {
    "title": "Runs",
    "xy_chart": {"data_sets": [{"time_series_query": {"time_series_filter": {"filter": "f"}}}]},
}
AS_READ = {  # what the server returns for CHART: the defaults Terraform diffs on forever
    "title": "Runs",
    "xy_chart": {
        "data_sets": [
            {
                "time_series_query": {"time_series_filter": {"filter": "f", "secondary_aggregation": {}}},
                "target_axis": "Y1",
            }
        ],
        "y_axis": {"scale": "LINEAR"},
        "chart_options": {},
        "timeshift_duration": "0s",
    },
}


def board(widget, **extra):
    return {
        "display_name": "Helios",
        "mosaic_layout": {"columns": 48, "tiles": [{"width": 24, "height": 16, "widget": widget}]},
        **extra,
    }


def test_server_defaults_etags_and_names_are_not_changes():
    desired = [Resource("dashboard", "helios-main", board(CHART))]
    actual = [
        Resource(
            "dashboard",
            "helios-main",
            board(AS_READ, name="projects/123/dashboards/helios-main", etag="ab"),
            "projects/123/dashboards/helios-main",
            "ab",
        )
    ]
    assert plan(desired, actual).in_sync


def test_an_edit_shows_with_its_path():
    edited = {**AS_READ, "title": "Renamed"}
    actual = [Resource("dashboard", "helios-main", board(edited), "projects/123/dashboards/helios-main")]
    (change,) = plan([Resource("dashboard", "helios-main", board(CHART))], actual).changes
    assert (change.action, change.fields, change.detail) == (
        "update",
        ("mosaic_layout",),
        {"mosaic_layout.tiles[0].widget.title": ("Renamed", "Runs")},
    )


def policy(**extra):
    return {"display_name": "p", "conditions": [{"display_name": "c"}], **extra}


def test_channel_references_match_whatever_project_form_the_server_uses():
    channel = Resource("notification_channel", "email", {"type_": "email"}, "projects/123/notificationChannels/77")
    desired = [Resource("alert_policy", "slow", policy(notification_channels=[ref("notification_channel", "email")]))]
    read = policy(
        notification_channels=["projects/123/notificationChannels/77"],
        enabled=True,
        conditions=[{"display_name": "c", "name": "x/conditions/1"}],
    )
    actual = [Resource("alert_policy", "slow", read, "projects/123/alertPolicies/9")]
    wanted = Resource("notification_channel", "email", {"type_": "email"})
    assert plan([wanted, *desired], [channel, *actual]).in_sync  # the number form and the ref are one channel


def test_a_policy_switched_off_by_hand_shows():
    actual = [Resource("alert_policy", "slow", policy(enabled=False), "projects/1/alertPolicies/9")]
    (change,) = plan([Resource("alert_policy", "slow", policy(enabled=True))], actual).changes
    assert change.detail == {"enabled": (False, True)}


def test_obfuscated_secrets_are_not_compared_but_their_fingerprint_is():
    def channel(token_label, fp):
        return {
            "type_": "slack",
            "labels": {"channel_name": "#c", "auth_token": token_label},
            "user_labels": {"secret_fingerprint": fp},
        }

    actual = [
        Resource(
            "notification_channel", "slack", channel("************abcd", "f1"), "projects/1/notificationChannels/2"
        )
    ]
    assert plan([Resource("notification_channel", "slack", channel("real-token-abcd", "f1"))], actual).in_sync
    (change,) = plan([Resource("notification_channel", "slack", channel("new-token-wxyz", "f2"))], actual).changes
    assert change.fields == ("user_labels",)


def test_deletes_come_last_in_reverse_dependency_order_and_notes_are_kept():
    desired = [Resource("subscription", "s", {"ack_deadline_seconds": 90})]
    actual = [
        Resource("subscription", "s", {"ack_deadline_seconds": 90}, "projects/p/subscriptions/s"),
        Resource("notification_channel", "old", {}, "projects/p/notificationChannels/1"),
        Resource("dashboard", "old", {}, "projects/p/dashboards/old"),
    ]
    result = plan(desired, actual, ["note"])
    assert [(c.action, c.kind) for c in result.changes] == [("delete", "dashboard"), ("delete", "notification_channel")]
    assert result.notes == ("note",)


SUBSCRIPTION = {"topic": "projects/p/topics/t", "ack_deadline_seconds": 90, "expiration_policy": {}}
HAND_MADE = Resource(
    "subscription",
    "s",
    {"topic": "projects/p/topics/t", "ack_deadline_seconds": 10},  # no expiration_policy: the emulator's default
    "projects/p/subscriptions/s",
)
FROZEN = {"subscription": ("expiration_policy", "labels")}


def test_a_field_the_server_cannot_update_is_a_note_and_the_other_fields_are_still_updated():
    result = plan([Resource("subscription", "s", SUBSCRIPTION)], [HAND_MADE], frozen=FROZEN, frozen_reason="it cannot")
    (change,) = result.changes
    assert (change.action, change.fields, change.detail) == (
        "update",
        ("ack_deadline_seconds",),
        {"ack_deadline_seconds": (10, 90)},
    )
    assert result.notes == (
        "subscription s: field expiration_policy differs (expiration_policy is unset, wanted {}) "
        "and it cannot; left as it is",
    )


def test_when_only_frozen_fields_differ_the_plan_is_in_sync_with_its_note():
    desired = Resource("subscription", "s", {**SUBSCRIPTION, "ack_deadline_seconds": 10, "labels": {"managed_by": "x"}})
    result = plan([desired], [HAND_MADE], frozen=FROZEN)
    assert result.in_sync
    assert [note.split(" differs")[0] for note in result.notes] == [
        "subscription s: field expiration_policy",
        "subscription s: field labels",
    ]
    assert "labels.managed_by is unset, wanted 'x'" in result.notes[1]
    assert not plan([desired], [HAND_MADE]).in_sync  # without frozen fields both are updated


def test_a_desired_resource_is_never_deleted_whatever_it_is():
    kept = Resource("notification_channel", "sms", {"type_": "sms"}, "projects/p/notificationChannels/1")
    assert plan([Resource("notification_channel", "sms", kept.body)], [kept]).in_sync
    assert [c.action for c in plan([], [kept]).changes] == ["delete"]


def test_a_renotify_strategys_channels_match_whatever_project_form_the_server_uses():
    channel = Resource("notification_channel", "email", {"type_": "email"}, "projects/123/notificationChannels/77")

    def renotify(*names: str) -> dict:
        strategy = {"notification_channel_names": list(names), "renotify_interval": "1800s"}
        return policy(alert_strategy={"notification_channel_strategy": [strategy]})

    wanted = Resource("alert_policy", "slow", renotify(ref("notification_channel", "email")))
    read = Resource(
        "alert_policy", "slow", renotify("projects/123/notificationChannels/77"), "projects/1/alertPolicies/9"
    )
    email = Resource("notification_channel", "email", {"type_": "email"})
    assert plan([email, wanted], [channel, read]).in_sync
    other = Resource("alert_policy", "slow", renotify("projects/123/notificationChannels/78"), read.name)
    (change,) = plan([email, wanted], [channel, other]).changes
    assert change.fields == ("alert_strategy",)
