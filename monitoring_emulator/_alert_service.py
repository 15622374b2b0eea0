"""``google.monitoring.v3.AlertPolicyService``: policies validated as the API validates them and
returned as the server returns them — ids assigned, the project number in every name, defaults
filled in (``enabled``, a trigger of one series, the documentation's mime type, change records).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from google.cloud.monitoring_v3.types import alert, alert_service, common
from google.protobuf import empty_pb2

from ._aggregation import applicable, spec_from_pb
from ._descriptors import BUILTIN_METRICS
from ._errors import invalid_argument
from ._filters import api_filter, parse_filter
from ._masks import apply_mask
from ._objects import Projects, check_user_labels, new_id, page
from ._raw import Raw
from ._store import Store
from ._timeutil import NS_PER_S, duration_ns, set_timestamp

__all__ = ["SERVICE", "AlertPolicyService"]

SERVICE = "google.monitoring.v3.AlertPolicyService"
KIND = "alert_policy"
_POLICY = alert.AlertPolicy.pb()
_CT = common.ComparisonType
_ALONE = ("condition_monitoring_query_language", "condition_prometheus_query_language", "condition_matched_log")
_MAX_ALERT_PERIOD_NS = 90_000 * NS_PER_S  # 25 h: the longest alignment period alerting accepts
_MIN_ABSENCE_S, _MAX_ABSENCE_S = 120, 84_600  # an absence condition: 2 minutes to 23.5 hours
_MIN_HORIZON_S, _MAX_HORIZON_S = 3600, 216_000  # forecastOptions.forecastHorizon: 1 to 60 hours
_MIN_RENOTIFY_S, _MAX_RENOTIFY_S = 1800, 86_400  # renotifyInterval: 30 minutes to 24 hours
_CONTENT_CHARS, _TEXT_BYTES = 8192, 10_240  # documentation content; content and subject in UTF-8
_MAX_LINKS, _LINK_NAME_CHARS, _LINK_URL_CHARS = 3, 63, 2083
_PROMPT = alert.AlertPolicy.AlertStrategy.NotificationPrompt
_EDITOR = "helios-emulator@localhost"


def _check_duration(field: str, value: Raw, minimum_s: int = 0, maximum_s: int | None = None) -> None:
    """Whole minutes within bounds; an absence's (which has a ``maximum_s``) ignores its nanos, as
    the API documents for MetricAbsence."""
    ns = duration_ns(value)
    if maximum_s is not None:
        ns -= ns % NS_PER_S
    if ns % (60 * NS_PER_S) or ns < minimum_s * NS_PER_S or (maximum_s is not None and ns > maximum_s * NS_PER_S):
        seconds = f"{ns / NS_PER_S:g}s"
        least = f" of at least {minimum_s}s" if minimum_s else ""
        most = f" and at most {maximum_s}s" if maximum_s is not None else ""
        raise invalid_argument(
            f'Field {field} had an invalid value of "{seconds}": The duration must be a multiple of 60s{least}{most}.'
        )


def _check_filter(field: str, text: str) -> None:
    if len(text) > 2048:
        raise invalid_argument(f"Field {field} had an invalid value: A filter can be at most 2048 characters long.")
    parsed = api_filter(text, field)
    for selector in ("metric.type", "resource.type"):
        if not parsed.pinned_values(selector):
            raise invalid_argument(
                f'Field {field} had an invalid value of "{text}": The filter must specify a {selector}.'
            )


Describe = Callable[[str], tuple[int, int] | None]
"""A filter → the (kind, value type) of the metric it names, when its descriptor exists."""


def _check_aggregations(field: str, aggregations: Raw, described: tuple[int, int] | None) -> int | None:
    """Each must be valid, and apply to the metric when its descriptor is known (in order: each
    works on what the previous one produced); returns the first alignment period (a ratio's must match)."""
    period = None
    for index, aggregation in enumerate(aggregations):
        spec = spec_from_pb(aggregation, f"{field}[{index}]")
        if spec is None:
            continue
        if described is not None:
            described = applicable(spec, *described, f"{field}[{index}]")
        if spec.period_ns > _MAX_ALERT_PERIOD_NS:
            raise invalid_argument(
                f"Field {field}[{index}].alignmentPeriod had an invalid value: Alerting accepts alignment periods "
                "of at most 90000s."
            )
        period = spec.period_ns if period is None else period
    return period


def _check_threshold(field: str, threshold: Raw, describe: Describe) -> None:
    _check_filter(f"{field}.filter", threshold.filter)
    period = _check_aggregations(f"{field}.aggregations", threshold.aggregations, describe(threshold.filter))
    if threshold.denominator_filter:
        _check_filter(f"{field}.denominatorFilter", threshold.denominator_filter)
        other = _check_aggregations(
            f"{field}.denominatorAggregations",
            threshold.denominator_aggregations,
            describe(threshold.denominator_filter),
        )
        if other != period:
            raise invalid_argument(
                f"Field {field}.denominatorAggregations had an invalid value: The numerator and denominator must "
                "use the same alignment period."
            )
    elif threshold.denominator_aggregations:
        raise invalid_argument(
            f"Field {field}.denominatorAggregations had an invalid value: Denominator aggregations require a "
            "denominator filter."
        )
    if threshold.comparison not in (_CT.COMPARISON_GT, _CT.COMPARISON_LT):
        raise invalid_argument(
            f'Field {field}.comparison had an invalid value of "{_CT(threshold.comparison).name}": Only '
            "COMPARISON_GT and COMPARISON_LT are supported."
        )
    _check_duration(f"{field}.duration", threshold.duration)
    if threshold.HasField("forecast_options"):
        _check_forecast(f"{field}.forecastOptions.forecastHorizon", threshold.forecast_options.forecast_horizon)
    _check_trigger(f"{field}.trigger", threshold)
    if threshold.evaluation_missing_data and duration_ns(threshold.duration) < 60 * NS_PER_S:
        raise invalid_argument(
            f"Field {field}.evaluationMissingData had an invalid value: evaluation_missing_data requires a "
            "duration of at least 60s."
        )


def _seconds_text(ns: int) -> str:
    return f"{ns / NS_PER_S:g}s"


def _check_forecast(field: str, horizon: Raw) -> None:
    """Required, 1 to 60 hours (the ForecastOptions proto; the console's "2.5 days")."""
    ns = duration_ns(horizon)
    if not _MIN_HORIZON_S * NS_PER_S <= ns <= _MAX_HORIZON_S * NS_PER_S:
        raise invalid_argument(
            f'Field {field} had an invalid value of "{_seconds_text(ns)}": The forecast horizon must be between '
            f"{_MIN_HORIZON_S}s (1 hour) and {_MAX_HORIZON_S}s (60 hours)."
        )


def _check_documentation(documentation: Raw) -> None:
    """Google's limits: content ≤ 8,192 characters and ≤ 10,240 bytes, mime type text/markdown,
    subject ≤ 10,240 bytes (cut to 255 bytes when sent), at most 3 links, each a display name of
    1 to 63 characters and a url of at most 2,083."""
    field = "alertPolicy.documentation"
    if documentation.mime_type not in ("", "text/markdown"):
        raise invalid_argument(
            f'Field {field}.mimeType had an invalid value of "{documentation.mime_type}": '
            'Only "text/markdown" is supported.'
        )
    content = documentation.content
    if len(content) > _CONTENT_CHARS or len(content.encode()) > _TEXT_BYTES:
        raise invalid_argument(
            f"Field {field}.content had an invalid value: The content can be at most {_CONTENT_CHARS} characters "
            f"and {_TEXT_BYTES} bytes long."
        )
    if len(documentation.subject.encode()) > _TEXT_BYTES:
        raise invalid_argument(
            f"Field {field}.subject had an invalid value: The subject can be at most {_TEXT_BYTES} bytes long."
        )
    if len(documentation.links) > _MAX_LINKS:
        raise invalid_argument(
            f"Field {field}.links had an invalid value: A policy's documentation can have at most {_MAX_LINKS} "
            f"links, but has {len(documentation.links)}."
        )
    for index, link in enumerate(documentation.links):
        if not 1 <= len(link.display_name) <= _LINK_NAME_CHARS:
            raise invalid_argument(
                f'Field {field}.links[{index}].displayName had an invalid value of "{link.display_name}": A link '
                f"needs a display name of 1 to {_LINK_NAME_CHARS} characters."
            )
        if not 1 <= len(link.url) <= _LINK_URL_CHARS:
            raise invalid_argument(
                f"Field {field}.links[{index}].url had an invalid value: A link needs a url of 1 to "
                f"{_LINK_URL_CHARS} characters."
            )


def _check_alert_strategy(policy: Raw, numbered: Callable[[str], str]) -> None:
    """Notification prompts ([OPENED] or [OPENED, CLOSED] for a metric policy) and per-channel
    strategies (channels of this policy; a renotify interval of 30 minutes to 24 hours)."""
    strategy = policy.alert_strategy
    prompts = list(strategy.notification_prompts)
    if _PROMPT.NOTIFICATION_PROMPT_UNSPECIFIED in prompts:
        raise invalid_argument(
            "Field alertPolicy.alertStrategy.notificationPrompts had an invalid value of "
            '"NOTIFICATION_PROMPT_UNSPECIFIED": A notification prompt must be OPENED or CLOSED.'
        )
    if prompts and _PROMPT.OPENED not in prompts:
        raise invalid_argument(
            "Field alertPolicy.alertStrategy.notificationPrompts had an invalid value: The notification prompts "
            "can be [OPENED] or [OPENED, CLOSED]."
        )
    channels = {numbered(c) for c in policy.notification_channels}
    for index, each in enumerate(strategy.notification_channel_strategy):
        field = f"alertPolicy.alertStrategy.notificationChannelStrategy[{index}]"
        for position, name in enumerate(each.notification_channel_names):
            if numbered(name) not in channels:
                raise invalid_argument(
                    f'Field {field}.notificationChannelNames[{position}] had an invalid value of "{name}": The '
                    "channel must be one of the policy's notificationChannels."
                )
        if each.HasField("renotify_interval"):
            ns = duration_ns(each.renotify_interval)
            if not _MIN_RENOTIFY_S * NS_PER_S <= ns <= _MAX_RENOTIFY_S * NS_PER_S:
                raise invalid_argument(
                    f'Field {field}.renotifyInterval had an invalid value of "{_seconds_text(ns)}": The value must '
                    f"be between {_MIN_RENOTIFY_S}s (30 minutes) and {_MAX_RENOTIFY_S}s (24 hours)."
                )


def _check_trigger(field: str, condition: Raw) -> None:
    trigger = condition.trigger
    which = trigger.WhichOneof("type")
    if which == "count" and trigger.count < 0:
        raise invalid_argument(f"Field {field}.count had an invalid value of {trigger.count}: must be at least 0.")
    if which == "percent" and not 0 <= trigger.percent <= 100:
        raise invalid_argument(f"Field {field}.percent had an invalid value of {trigger.percent:g}: must be 0 to 100.")


def validate(
    policy: Raw, channel_exists: Callable[[str], bool], describe: Describe, numbered: Callable[[str], str] = str
) -> None:
    """Raise the API's INVALID_ARGUMENT for a policy Google would refuse."""
    if not policy.display_name or len(policy.display_name) > 512:
        raise invalid_argument(
            "Field alertPolicy.displayName had an invalid value: A display name of 1 to 512 characters is required."
        )
    conditions = policy.conditions
    if not 1 <= len(conditions) <= 6:
        raise invalid_argument(
            f"Field alertPolicy.conditions had an invalid value: A policy must have between 1 and 6 conditions, "
            f"but has {len(conditions)}."
        )
    for index, condition in enumerate(conditions):
        field = f"alertPolicy.conditions[{index}]"
        which = condition.WhichOneof("condition")
        if which is None:
            raise invalid_argument(f"Field {field} had an invalid value: The condition has no type.")
        if not condition.display_name:
            raise invalid_argument(f"Field {field}.displayName had an invalid value: A display name is required.")
        if which in _ALONE and len(conditions) > 1:
            raise invalid_argument(f"Field {field} had an invalid value: A {which} must be the only condition.")
        if which == "condition_threshold":
            _check_threshold(f"{field}.conditionThreshold", condition.condition_threshold, describe)
        elif which == "condition_absent":
            absent = condition.condition_absent
            _check_filter(f"{field}.conditionAbsent.filter", absent.filter)
            _check_aggregations(f"{field}.conditionAbsent.aggregations", absent.aggregations, describe(absent.filter))
            _check_duration(f"{field}.conditionAbsent.duration", absent.duration, _MIN_ABSENCE_S, _MAX_ABSENCE_S)
            _check_trigger(f"{field}.conditionAbsent.trigger", absent)
    if len(conditions) > 1 and policy.combiner == alert.AlertPolicy.ConditionCombinerType.COMBINE_UNSPECIFIED:
        raise invalid_argument(
            "Field alertPolicy.combiner had an invalid value: A combiner is required when a policy has more than "
            "one condition."
        )
    _check_documentation(policy.documentation)
    check_user_labels(policy.user_labels, "alertPolicy.userLabels")
    for index, channel in enumerate(policy.notification_channels):
        if not channel_exists(channel):
            raise invalid_argument(
                f'Field alertPolicy.notificationChannels[{index}] had an invalid value of "{channel}": The '
                "notification channel does not exist."
            )
    _check_alert_strategy(policy, numbered)


class AlertPolicyService:
    """Method name → (handler on raw request, raw request class, raw response class)."""

    def __init__(
        self,
        store: Store,
        projects: Projects,
        channel_exists: Callable[[str, str], bool],
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self._store, self._projects, self._clock = store, projects, clock
        self._channel_exists = channel_exists  # (project, channel name) -> bool

    def handlers(self) -> dict[str, tuple[Callable[[Raw], Raw], Any, Any]]:
        s = alert_service
        return {
            "ListAlertPolicies": (self.list, s.ListAlertPoliciesRequest.pb(), s.ListAlertPoliciesResponse.pb()),
            "GetAlertPolicy": (self.get, s.GetAlertPolicyRequest.pb(), _POLICY),
            "CreateAlertPolicy": (self.create, s.CreateAlertPolicyRequest.pb(), _POLICY),
            "UpdateAlertPolicy": (self.update, s.UpdateAlertPolicyRequest.pb(), _POLICY),
            "DeleteAlertPolicy": (self.delete, s.DeleteAlertPolicyRequest.pb(), empty_pb2.Empty),
        }

    # --- shared with the notification channel service and the evaluator ---------------------
    def policies(self, project: str) -> list[Raw]:
        with self._store.lock:
            return [_POLICY.FromString(body) for _, body in self._store.list_objects(KIND, project)]

    def drop_channel(self, project: str, channel_id: str) -> None:
        """A channel deleted with ``force``: the policies naming it no longer do."""
        with self._store.lock, self._store.transaction():
            for ident, body in self._store.list_objects(KIND, project):
                policy = _POLICY.FromString(body)
                kept = [
                    c for c in policy.notification_channels if not c.endswith(f"/notificationChannels/{channel_id}")
                ]
                if len(kept) != len(policy.notification_channels):
                    del policy.notification_channels[:]
                    policy.notification_channels.extend(kept)
                    self._store.put_object(KIND, project, ident, policy.SerializeToString())

    # --- methods ------------------------------------------------------------------------------
    def list(self, request: Raw) -> Raw:
        project = self._projects.parent(request.name)
        found = self.policies(project)
        if request.filter:
            parsed = api_filter(request.filter)
            found = [p for p in found if parsed.matches(_resolver(p))]
        chunk, token = page(found, request.page_size, request.page_token, 1000)
        response = alert_service.ListAlertPoliciesResponse.pb()(next_page_token=token, total_size=len(found))
        response.alert_policies.extend(chunk)
        return response

    def get(self, request: Raw) -> Raw:
        project, ident = self._projects.split(request.name, "alertPolicies", "ALERT_POLICY")
        with self._store.lock:
            return _POLICY.FromString(self._projects.load(KIND, project, ident, "alert policy"))

    def create(self, request: Raw) -> Raw:
        project = self._projects.parent(request.name)
        policy = _POLICY()
        policy.CopyFrom(request.alert_policy)
        if policy.name:
            raise invalid_argument(
                f'Field alertPolicy.name had an invalid value of "{policy.name}": The name must not be set when '
                "creating a policy."
            )
        policy.name = self._projects.name(project, "alertPolicies", new_id())
        self._complete(project, policy, None)
        return self._save(project, policy)

    def update(self, request: Raw) -> Raw:
        supplied = request.alert_policy
        project, ident = self._projects.split(supplied.name, "alertPolicies", "ALERT_POLICY")
        with self._store.lock:
            stored = _POLICY.FromString(self._projects.load(KIND, project, ident, "alert policy"))
            if request.update_mask.paths:
                policy = _POLICY()
                policy.CopyFrom(stored)
                apply_mask(policy, supplied, request.update_mask.paths, "AlertPolicy")
            else:
                policy = _POLICY()
                policy.CopyFrom(supplied)  # an empty mask replaces the whole policy
            policy.name = stored.name
            self._complete(project, policy, stored)
            return self._save(project, policy)

    def delete(self, request: Raw) -> Raw:
        project, ident = self._projects.split(request.name, "alertPolicies", "ALERT_POLICY")
        with self._store.lock:
            self._projects.load(KIND, project, ident, "alert policy")
            with self._store.transaction():
                self._store.delete_object(KIND, project, ident)
        return empty_pb2.Empty()

    # --- helpers ------------------------------------------------------------------------------
    def _complete(self, project: str, policy: Raw, stored: Raw | None) -> None:
        """Validate, then fill in what the server fills in."""
        validate(
            policy,
            lambda channel: self._channel_exists(project, channel),
            describer(self._store, project),
            self._numbered,
        )
        known = {c.name for c in stored.conditions} if stored is not None else set()
        for condition in policy.conditions:
            if condition.name not in known:  # a new or unnamed condition gets a new id
                condition.name = f"{policy.name}/conditions/{new_id()}"
            which = condition.WhichOneof("condition")
            if which in ("condition_threshold", "condition_absent"):
                body = getattr(condition, which)
                if body.trigger.WhichOneof("type") is None:
                    body.trigger.count = 1
        if not policy.HasField("enabled"):
            policy.enabled.value = True
        if policy.documentation.content and not policy.documentation.mime_type:
            policy.documentation.mime_type = "text/markdown"
        channels = [self._numbered(channel) for channel in policy.notification_channels]
        del policy.notification_channels[:]
        policy.notification_channels.extend(channels)
        for strategy in policy.alert_strategy.notification_channel_strategy:  # named as the policy names them
            named = [self._numbered(channel) for channel in strategy.notification_channel_names]
            del strategy.notification_channel_names[:]
            strategy.notification_channel_names.extend(named)
        now = self._clock()
        if stored is not None:
            policy.creation_record.CopyFrom(stored.creation_record)
        else:
            set_timestamp(policy.creation_record.mutate_time, now)
            policy.creation_record.mutated_by = _EDITOR
        set_timestamp(policy.mutation_record.mutate_time, now)
        policy.mutation_record.mutated_by = _EDITOR

    def _numbered(self, channel: str) -> str:
        parts = channel.split("/")
        if len(parts) == 4 and parts[0] == "projects":
            return self._projects.name(self._projects.remember(parts[1]), parts[2], parts[3])
        return channel

    def _save(self, project: str, policy: Raw) -> Raw:
        ident = policy.name.rsplit("/", 1)[1]
        with self._store.lock, self._store.transaction():
            self._store.put_object(KIND, project, ident, policy.SerializeToString())
        return policy


def describer(store: Store, project: str) -> Describe:
    """Look up the metric a filter names in the project's descriptors."""

    def describe(text: str) -> tuple[int, int] | None:
        types = sorted(parse_filter(text).pinned_values("metric.type") or ())
        descriptor = next((store.descriptors.get((project, t)) for t in types), None)
        if descriptor is not None:
            return descriptor.metric_kind, descriptor.value_type
        builtin = next((BUILTIN_METRICS[t] for t in types if t in BUILTIN_METRICS), None)
        return None if builtin is None else builtin[:2]

    return describe


def _resolver(policy: Raw) -> Callable[[str], str | None]:
    """Answer list-filter selectors (``display_name``, ``user_labels.K``, ``name``, ``enabled``) for a policy."""

    def resolve(selector: str) -> str | None:
        if selector.startswith(("user_labels.", "user_label.")):
            return policy.user_labels.get(selector.split(".", 1)[1])
        if selector == "display_name":
            return str(policy.display_name)
        if selector == "name":
            return str(policy.name)
        if selector == "enabled":
            return "true" if policy.enabled.value else "false"
        return None

    return resolve
