"""The notifications one evaluation makes, sent after it: on opening and closing as the policy's
prompts say (``alertStrategy.notificationPrompts``, both by default), and again to a channel whose
``renotifyInterval`` has passed since it last heard of an incident still open."""

from __future__ import annotations

from dataclasses import dataclass, field

from google.cloud.monitoring_v3.types import alert

from helios_metrics.contract.units import NS

from ._channel_service import NotificationChannelService
from ._incident import Incident, Notice
from ._notify import Notifier
from ._objects import Projects
from ._raw import Raw
from ._timeutil import duration_ns

__all__ = ["Outbox", "prompts"]

PROMPT = alert.AlertPolicy.AlertStrategy.NotificationPrompt


def prompts(policy: Raw) -> set[int]:
    """The policy's notification prompts; both when it lists none (Google's default)."""
    return set(policy.alert_strategy.notification_prompts) or {PROMPT.OPENED, PROMPT.CLOSED}


def _renotify_s(policy: Raw) -> dict[str, int]:
    """Channel name → its renotify interval in seconds, for the channels that have one."""
    found: dict[str, int] = {}
    for strategy in policy.alert_strategy.notification_channel_strategy:
        seconds = duration_ns(strategy.renotify_interval) // NS
        if seconds > 0:
            for name in strategy.notification_channel_names:
                found[name] = seconds
    return found


@dataclass
class _Outgoing:
    """One incident's notification to some channels, made at an evaluation and sent after it."""

    channels: list[str]
    notice: Notice
    at_s: int
    reminder: bool = False


@dataclass
class Outbox:
    """What an evaluation (or a range of them) will send, in the order it was made."""

    items: list[_Outgoing] = field(default_factory=list)

    def queue(self, incident: Incident, at: int, only: list[str] | None = None) -> None:
        """Notify the incident's channels (``only`` some, for a reminder) of the incident as it is now."""
        channels = only if only is not None else list(incident.notification_channels)
        if channels:
            self.items.append(_Outgoing(channels, incident.notice(), at // NS, reminder=only is not None))

    def remind(self, policy: Raw, incident: Incident, at: int) -> bool:
        """Repeat the notification to each channel whose renotify interval has passed since it last
        heard of this incident; whether any did (the incident's ``notified_at`` changed)."""
        now_s = at // NS
        notified = incident.notified_at
        due = [
            channel
            for channel, interval in _renotify_s(policy).items()
            if channel in incident.notification_channels
            and now_s - notified.get(channel, incident.started_at) >= interval
        ]
        for channel in due:
            notified[channel] = now_s
        if due:
            self.queue(incident, at, only=due)
        return bool(due)

    def deliver(self, projects: Projects, channels: NotificationChannelService, notifier: Notifier) -> None:
        for item in self.items:
            for name in item.channels:
                project, ident = projects.split(name, "notificationChannels", "NOTIFICATION_CHANNEL")
                channel = channels.channel(project, ident)
                if channel is not None:
                    notifier.notify(channel, item.notice, at_s=item.at_s, reminder=item.reminder)
