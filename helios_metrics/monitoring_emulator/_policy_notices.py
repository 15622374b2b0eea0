"""What an alert policy tells people, checked as the API checks it: its documentation (Google's
published limits) and its alert strategy (notification prompts, rate limits, per-channel renotify).
"""

from __future__ import annotations

from collections.abc import Callable

from google.cloud.monitoring_v3.types import alert

from helios_metrics.contract.units import NS

from ._errors import invalid_argument
from ._raw import Raw
from ._timeutil import duration_ns

__all__ = ["check_alert_strategy", "check_documentation"]

_MIN_RENOTIFY_S, _MAX_RENOTIFY_S = 1800, 86_400  # renotifyInterval: 30 minutes to 24 hours
_CONTENT_CHARS, _TEXT_BYTES = 8192, 10_240  # documentation content; content and subject in UTF-8
_MAX_LINKS, _LINK_NAME_CHARS, _LINK_URL_CHARS = 3, 63, 2083
_PROMPT = alert.AlertPolicy.AlertStrategy.NotificationPrompt


def _seconds(ns: int) -> str:
    return f"{ns / NS:g}s"


def check_documentation(documentation: Raw) -> None:
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


def check_alert_strategy(policy: Raw, canonical: Callable[[str], str]) -> None:
    """Notification prompts ([OPENED] or [OPENED, CLOSED] for a metric policy), no rate limit on
    a metric policy, and per-channel strategies (channels of this policy; a renotify interval of
    30 minutes to 24 hours)."""
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
    logs = any(c.WhichOneof("condition") == "condition_matched_log" for c in policy.conditions)
    if strategy.HasField("notification_rate_limit") and not logs:
        seconds = strategy.notification_rate_limit.period.seconds
        raise invalid_argument(
            f'Field alertStrategy.notificationRateLimit had an invalid value of "period {{ seconds: {seconds} }}": '
            "metric-based alert policies must not specify a notification rate limit"
        )
    channels = {canonical(c) for c in policy.notification_channels}
    for index, each in enumerate(strategy.notification_channel_strategy):
        field = f"alertPolicy.alertStrategy.notificationChannelStrategy[{index}]"
        for position, name in enumerate(each.notification_channel_names):
            if canonical(name) not in channels:
                raise invalid_argument(
                    f'Field {field}.notificationChannelNames[{position}] had an invalid value of "{name}": The '
                    "channel must be one of the policy's notificationChannels."
                )
        if each.HasField("renotify_interval"):
            ns = duration_ns(each.renotify_interval)
            if not _MIN_RENOTIFY_S * NS <= ns <= _MAX_RENOTIFY_S * NS:
                raise invalid_argument(
                    f'Field {field}.renotifyInterval had an invalid value of "{_seconds(ns)}": The value must '
                    f"be between {_MIN_RENOTIFY_S}s (30 minutes) and {_MAX_RENOTIFY_S}s (24 hours)."
                )
