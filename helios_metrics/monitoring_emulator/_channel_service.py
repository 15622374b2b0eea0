"""``google.monitoring.v3.NotificationChannelService``: the channel descriptors of the types Helios
uses, channels validated against them (:mod:`._channel_types`), named under the project id the
caller used, and secrets returned obfuscated as Google returns them.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

import grpc
from google.api import label_pb2
from google.cloud.monitoring_v3.types import notification, notification_service
from google.protobuf import empty_pb2

from helios_metrics.contract.units import NS

from ._channel_types import CHANNEL_TYPES, ChannelType, obfuscate, readable, validate_channel
from ._errors import ApiError, invalid_argument
from ._filters import api_filter
from ._masks import apply_mask
from ._objects import Projects, new_id, page
from ._raw import Raw
from ._store import Store
from ._timeutil import set_timestamp

__all__ = ["CHANNEL_TYPES", "SERVICE", "NotificationChannelService", "channel_exists", "obfuscate"]

SERVICE = "google.monitoring.v3.NotificationChannelService"
KIND = "notification_channel"
_CHANNEL = notification.NotificationChannel.pb()
_DESCRIPTOR = notification.NotificationChannelDescriptor.pb()
_EDITOR = "helios-emulator@localhost"


def channel_exists(store: Store, projects: Projects) -> Callable[[str, str], bool]:
    """(project, channel name) → whether the project has that channel: what a policy's
    ``notificationChannels`` are checked with, before the channel service exists."""

    def exists(project: str, name: str) -> bool:
        parts = name.split("/")
        if len(parts) != 4 or parts[0] != "projects" or parts[2] != "notificationChannels":
            return False
        if projects.remember(parts[1]) != project:
            return False
        return store.get_object(KIND, project, parts[3]) is not None

    return exists


class NotificationChannelService:
    """Method name → (handler on raw request, raw request class, raw response class)."""

    def __init__(
        self,
        store: Store,
        projects: Projects,
        channel_users: Callable[[str, str], list[str]],
        drop_from_policies: Callable[[str, str], None],
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self._store, self._projects, self._clock = store, projects, clock
        self._users, self._drop = channel_users, drop_from_policies  # (project, channel id) -> policy names
        self._codes: dict[str, tuple[str, int]] = {}  # channel name -> (verification code, expiry ns)

    def handlers(self) -> dict[str, tuple[Callable[[Raw], Raw], Any, Any]]:
        s = notification_service
        return {
            "ListNotificationChannelDescriptors": (
                self.list_descriptors,
                s.ListNotificationChannelDescriptorsRequest.pb(),
                s.ListNotificationChannelDescriptorsResponse.pb(),
            ),
            "GetNotificationChannelDescriptor": (
                self.get_descriptor,
                s.GetNotificationChannelDescriptorRequest.pb(),
                _DESCRIPTOR,
            ),
            "ListNotificationChannels": (
                self.list,
                s.ListNotificationChannelsRequest.pb(),
                s.ListNotificationChannelsResponse.pb(),
            ),
            "GetNotificationChannel": (self.get, s.GetNotificationChannelRequest.pb(), _CHANNEL),
            "CreateNotificationChannel": (self.create, s.CreateNotificationChannelRequest.pb(), _CHANNEL),
            "UpdateNotificationChannel": (self.update, s.UpdateNotificationChannelRequest.pb(), _CHANNEL),
            "DeleteNotificationChannel": (self.delete, s.DeleteNotificationChannelRequest.pb(), empty_pb2.Empty),
            "SendNotificationChannelVerificationCode": (
                self.send_code,
                s.SendNotificationChannelVerificationCodeRequest.pb(),
                empty_pb2.Empty,
            ),
            "GetNotificationChannelVerificationCode": (
                self.get_code,
                s.GetNotificationChannelVerificationCodeRequest.pb(),
                s.GetNotificationChannelVerificationCodeResponse.pb(),
            ),
            "VerifyNotificationChannel": (self.verify, s.VerifyNotificationChannelRequest.pb(), _CHANNEL),
        }

    # --- shared with the alert policy service and the notifier ------------------------------------
    def exists(self, project: str, name: str) -> bool:
        return channel_exists(self._store, self._projects)(project, name)

    def channel(self, project: str, ident: str) -> Raw | None:
        """The stored channel with its secrets (for the notifier, never for API reads)."""
        body = self._store.get_object(KIND, project, ident)
        return None if body is None else self._parsed(body)

    # --- descriptors --------------------------------------------------------------------------------
    def _descriptor(self, project: str, channel_type: ChannelType) -> Raw:
        descriptor = _DESCRIPTOR(
            name=self._projects.name(project, "notificationChannelDescriptors", channel_type.type),
            display_name=channel_type.display_name,
            description=f"{channel_type.display_name} notifications.",
        )
        descriptor.type_ = channel_type.type  # proto-plus names the proto's `type` field `type_`
        for key, description in channel_type.labels:
            descriptor.labels.append(
                label_pb2.LabelDescriptor(key=key, value_type=label_pb2.LabelDescriptor.STRING, description=description)
            )
        return descriptor

    def list_descriptors(self, request: Raw) -> Raw:
        project = self._projects.parent(request.name)
        chunk, token = page(list(CHANNEL_TYPES.values()), request.page_size, request.page_token, 1000)
        response = notification_service.ListNotificationChannelDescriptorsResponse.pb()(next_page_token=token)
        response.channel_descriptors.extend(self._descriptor(project, t) for t in chunk)
        return response

    def get_descriptor(self, request: Raw) -> Raw:
        project, type_ = self._projects.split(request.name, "notificationChannelDescriptors", "CHANNEL_DESCRIPTOR")
        known = CHANNEL_TYPES.get(type_)
        if known is None:
            raise ApiError(grpc.StatusCode.NOT_FOUND, f"Requested entity was not found: channel type {type_}.")
        return self._descriptor(project, known)

    # --- channels --------------------------------------------------------------------------------
    def list(self, request: Raw) -> Raw:
        project = self._projects.parent(request.name)
        found = [self._parsed(body) for _, body in self._store.list_objects(KIND, project)]
        if request.filter:
            parsed = api_filter(request.filter)
            found = [c for c in found if parsed.matches(_resolver(c))]
        chunk, token = page(found, request.page_size, request.page_token, 1000)
        response = notification_service.ListNotificationChannelsResponse.pb()(
            next_page_token=token, total_size=len(found)
        )
        response.notification_channels.extend(readable(c) for c in chunk)
        return response

    def get(self, request: Raw) -> Raw:
        project, ident = self._projects.split(request.name, "notificationChannels", "NOTIFICATION_CHANNEL")
        return readable(self._parsed(self._projects.load(KIND, project, ident, "notification channel")))

    def create(self, request: Raw) -> Raw:
        project = self._projects.parent(request.name)
        channel = _CHANNEL()
        channel.CopyFrom(request.notification_channel)
        if channel.name:
            raise invalid_argument(
                f'Field notificationChannel.name had an invalid value of "{channel.name}": The name must not be set '
                "when creating a channel."
            )
        validate_channel(channel)
        channel.name = self._projects.name(project, "notificationChannels", new_id())
        if not channel.HasField("enabled"):
            channel.enabled.value = True
        now = self._clock()
        set_timestamp(channel.creation_record.mutate_time, now)
        channel.creation_record.mutated_by = _EDITOR
        return readable(self._save(project, channel))

    def update(self, request: Raw) -> Raw:
        """Without a mask the supplied channel replaces the stored one, so it is checked first: a
        channel with only a name is INVALID_ARGUMENT (as Google answers), a valid one that does not
        exist NOT_FOUND (what Google's restore sample expects)."""
        supplied = request.notification_channel
        project, ident = self._projects.split(supplied.name, "notificationChannels", "NOTIFICATION_CHANNEL")
        if supplied.verification_status:
            raise invalid_argument(
                "Field notificationChannel.verificationStatus had an invalid value: The verification status "
                "cannot be set; use VerifyNotificationChannel."
            )
        if not request.update_mask.paths:
            validate_channel(supplied)
        with self._store.change():
            stored = self._parsed(self._projects.load(KIND, project, ident, "notification channel"))
            channel = _CHANNEL()
            channel.CopyFrom(stored)
            paths = list(request.update_mask.paths) or [
                f.name for f in _CHANNEL.DESCRIPTOR.fields if f.name not in ("name", "verification_status")
            ]
            apply_mask(channel, supplied, paths, "NotificationChannel")
            channel.name, channel.verification_status = stored.name, stored.verification_status
            channel.creation_record.CopyFrom(stored.creation_record)
            validate_channel(channel)
            record = channel.mutation_records.add()
            set_timestamp(record.mutate_time, self._clock())
            record.mutated_by = _EDITOR
            return readable(self._save(project, channel))

    def delete(self, request: Raw) -> Raw:
        project, ident = self._projects.split(request.name, "notificationChannels", "NOTIFICATION_CHANNEL")
        with self._store.change() as change:
            self._projects.load(KIND, project, ident, "notification channel")
            users = self._users(project, ident)
            if users and not request.force:
                raise ApiError(
                    grpc.StatusCode.FAILED_PRECONDITION,
                    f"The notification channel is used by {len(users)} alert policies ({', '.join(users[:3])}); "
                    "remove it from them first or delete with force=true.",
                )
            if users:
                self._drop(project, ident)
            change.delete_object(KIND, project, ident)
        return empty_pb2.Empty()

    # --- verification ------------------------------------------------------------------------------
    def send_code(self, request: Raw) -> Raw:
        project, ident = self._projects.split(request.name, "notificationChannels", "NOTIFICATION_CHANNEL")
        self._projects.load(KIND, project, ident, "notification channel")
        code = f"G-{secrets.randbelow(900_000) + 100_000}"
        self._codes[self._projects.canonical(request.name)] = (code, self._clock() + 3600 * NS)
        return empty_pb2.Empty()

    def get_code(self, request: Raw) -> Raw:
        channel = self.get(request)
        if channel.verification_status != notification.NotificationChannel.VerificationStatus.VERIFIED:
            raise ApiError(
                grpc.StatusCode.FAILED_PRECONDITION, "Only a verified channel can issue a verification code."
            )
        code = f"G-{secrets.randbelow(900_000) + 100_000}"
        expiry = self._clock() + 3600 * NS
        self._codes[self._projects.canonical(request.name)] = (code, expiry)
        response = notification_service.GetNotificationChannelVerificationCodeResponse.pb()(code=code)
        set_timestamp(response.expire_time, expiry)
        return response

    def verify(self, request: Raw) -> Raw:
        """NOT_FOUND for a channel that does not exist, whatever the code (as Google answers);
        INVALID_ARGUMENT for a wrong or expired code."""
        project, ident = self._projects.split(request.name, "notificationChannels", "NOTIFICATION_CHANNEL")
        with self._store.change():
            channel = self._parsed(self._projects.load(KIND, project, ident, "notification channel"))
            code, expiry = self._codes.get(self._projects.canonical(request.name), ("", 0))
            if not code or request.code != code or self._clock() > expiry:
                raise invalid_argument("Field code had an invalid value: The verification code is not valid.")
            channel.verification_status = notification.NotificationChannel.VerificationStatus.VERIFIED
            return readable(self._save(project, channel))

    def _parsed(self, body: bytes) -> Raw:
        """A stored channel, named as the server names it (older versions stored the number)."""
        channel = _CHANNEL.FromString(body)
        channel.name = self._projects.canonical(channel.name)
        return channel

    def _save(self, project: str, channel: Raw) -> Raw:
        ident = channel.name.rsplit("/", 1)[1]
        with self._store.change() as change:
            change.put_object(KIND, project, ident, channel.SerializeToString())
        return channel


def _resolver(channel: Raw) -> Callable[[str], str | None]:
    def resolve(selector: str) -> str | None:
        if selector.startswith(("user_labels.", "user_label.")):
            return channel.user_labels.get(selector.split(".", 1)[1])
        if selector.startswith(("labels.", "label.")):
            return channel.labels.get(selector.split(".", 1)[1])
        if selector == "type":
            return str(channel.type_)
        if selector in ("display_name", "name"):
            return str(getattr(channel, selector))
        return None

    return resolve
