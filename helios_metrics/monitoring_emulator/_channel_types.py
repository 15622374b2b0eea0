"""The notification channel types Helios uses, with their labels, and the rules a channel of
each type must meet.

Sensitive labels (Slack's ``auth_token``, PagerDuty's ``service_key``, basic auth's ``password``)
come back "only partially populated" (the API's words): here as asterisks plus, for values of 16
characters or more, their last four. The exact mask Google uses is not public; what matters — and
what this reproduces — is that a reader can never compare a stored secret with a configured one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from google.cloud.monitoring_v3.types import notification

from ._errors import invalid_argument
from ._objects import check_user_labels
from ._raw import Raw

__all__ = ["CHANNEL_TYPES", "ChannelType", "obfuscate", "readable", "validate_channel"]

_CHANNEL = notification.NotificationChannel.pb()


@dataclass(frozen=True)
class ChannelType:
    type: str
    display_name: str
    labels: tuple[tuple[str, str], ...]  # (key, description), all required
    sensitive: tuple[str, ...] = ()


CHANNEL_TYPES: Mapping[str, ChannelType] = {
    t.type: t
    for t in (
        ChannelType("email", "Email", (("email_address", "An address to send email."),)),
        ChannelType("sms", "SMS", (("number", "The phone number, in E.164 format (e.g. +15551234567)."),)),
        ChannelType(
            "slack",
            "Slack",
            (("channel_name", "The Slack channel, e.g. #alerts."), ("auth_token", "The Slack OAuth token.")),
            ("auth_token",),
        ),
        ChannelType("pagerduty", "PagerDuty", (("service_key", "The PagerDuty integration key."),), ("service_key",)),
        ChannelType("webhook_tokenauth", "Webhooks", (("url", "The URL to POST incidents to."),)),
        ChannelType(
            "webhook_basicauth",
            "Webhooks with basic auth",
            (
                ("url", "The URL to POST incidents to."),
                ("username", "The basic-auth user."),
                ("password", "The basic-auth password."),
            ),
            ("password",),
        ),
    )
}


def obfuscate(value: str) -> str:
    return "*" * 12 + (value[-4:] if len(value) >= 16 else "")


def validate_channel(channel: Raw) -> None:
    """INVALID_ARGUMENT unless the channel is of a known type with exactly its labels."""
    kind = CHANNEL_TYPES.get(channel.type_)
    if kind is None:
        raise invalid_argument(
            f'Field notificationChannel.type had an invalid value of "{channel.type_}": Unknown channel type; '
            f"one of {', '.join(CHANNEL_TYPES)}."
        )
    known = {key for key, _ in kind.labels}
    for key in channel.labels:
        if key not in known:
            raise invalid_argument(
                f'Field notificationChannel.labels had an invalid value of "{key}": Channels of type {kind.type} '
                f"have the labels {', '.join(sorted(known))}."
            )
    missing = sorted(known - {k for k, v in channel.labels.items() if v})
    if missing:
        raise invalid_argument(
            f"Field notificationChannel.labels had an invalid value: Channels of type {kind.type} require "
            f"{', '.join(missing)}."
        )
    if kind.type == "sms" and not _is_e164(channel.labels["number"]):
        raise invalid_argument(
            f'Field notificationChannel.labels.number had an invalid value of "{channel.labels["number"]}": The '
            "number must be in E.164 format, e.g. +15551234567."
        )
    if len(channel.display_name) > 512 or len(channel.description) > 1024:
        raise invalid_argument(
            "Field notificationChannel had an invalid value: display_name is at most 512 characters and "
            "description at most 1024."
        )
    check_user_labels(channel.user_labels, "notificationChannel.userLabels")


def _is_e164(number: str) -> bool:
    return number.startswith("+") and number[1:].isdigit() and 8 <= len(number) <= 16


def readable(channel: Raw) -> Raw:
    """The channel as reads return it: sensitive labels obfuscated."""
    out = _CHANNEL()
    out.CopyFrom(channel)
    kind = CHANNEL_TYPES.get(channel.type_)
    for key in kind.sensitive if kind else ():
        if key in out.labels:
            out.labels[key] = obfuscate(out.labels[key])
    return out
