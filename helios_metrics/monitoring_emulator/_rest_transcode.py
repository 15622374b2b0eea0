"""HTTP/JSON ↔ request and response messages, as ``google.api.http`` transcoding defines it.

A request message is built from three places: the JSON body (``body: "*"`` the whole request,
``body: "field"`` that field, no body nothing), the query parameters (every other field, nested
with dots — ``interval.endTime``, ``aggregation.alignmentPeriod`` — repeated by repetition, in
camelCase or snake_case as Google's transcoder accepts) and the path's variables, bound last.
System parameters (``alt``, ``$alt``, ``key``, ``prettyPrint``, ``$.xgafv``…) are not fields.
Responses are written as Google writes them: camelCase, defaults left out, int64 as strings,
Durations as ``"60s"``, Timestamps in RFC 3339, pretty-printed unless ``prettyPrint=false``;
``alt=json;enum-encoding=int`` (what the generated REST clients send) writes enums as numbers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from google.protobuf import descriptor, json_format, message, message_factory
from google.protobuf.descriptor_pb2 import FieldDescriptorProto

from ._rest_errors import bad_request, invalid_json

__all__ = ["Output", "build_request", "output_of", "render"]

_SYSTEM = {"alt", "key", "fields", "prettyPrint", ".xgafv", "access_token", "oauth_token", "bearer_token"}
_SYSTEM |= {"callback", "quotaUser", "userIp", "upload_protocol", "uploadType", "trace", "pp"}  # not request fields
Violation = tuple[str, str]
MessageType = Any
_TYPE_NAMES: dict[int, str] = {int(number): name for name, number in FieldDescriptorProto.Type.items()}  # 5: TYPE_INT32
"""A message's Descriptor: the upb and the pure-Python classes share no static type."""


@dataclass(frozen=True)
class Output:
    """How to write the response, from the system parameters."""

    int_enums: bool = False
    pretty: bool = True
    proto: bool = False


def output_of(query: Iterable[tuple[str, str]]) -> Output:
    values = {key.removeprefix("$"): value for key, value in query}
    alt = values.get("alt", "json").replace(" ", "")
    return Output(
        int_enums="enum-encoding=int" in alt,
        pretty=values.get("prettyPrint", "true").lower() != "false",
        proto=alt.startswith("proto"),
    )


def _whole(value: Any) -> Any:
    """Doubles as Google prints them: ``1``, not Python's ``1.0``."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, dict):
        return {key: _whole(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole(item) for item in value]
    return value


def render(response: message.Message, output: Output) -> tuple[str, bytes]:
    """The response's content type and bytes."""
    if output.proto:
        return "application/x-protobuf", response.SerializeToString()
    data = _whole(json_format.MessageToDict(response, use_integers_for_enums=output.int_enums))
    text = json.dumps(data, indent=2 if output.pretty else None, ensure_ascii=False)
    return "application/json; charset=UTF-8", text.encode()


def _field(message_type: MessageType, key: str) -> descriptor.FieldDescriptor | None:
    return message_type.fields_by_camelcase_name.get(key) or message_type.fields_by_name.get(key)


def _opaque(message_type: MessageType | None) -> bool:
    """Well-known types have their own JSON forms (a Timestamp is a string): not walked field by field."""
    return message_type is not None and message_type.full_name.startswith("google.protobuf.")


def _is_map(field: descriptor.FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def _converts(value: Any, field: descriptor.FieldDescriptor) -> bool:
    """Whether one JSON value parses as ``field``'s type (asked only once a parse has failed)."""
    container: MessageType = field.containing_type
    holder = message_factory.GetMessageClass(container)()
    try:
        json_format.ParseDict({field.json_name: [value] if field.is_repeated else value}, holder)
    except (json_format.ParseError, ValueError, TypeError, AttributeError):
        return False
    return True


def _invalid(where: str, field: descriptor.FieldDescriptor, value: Any) -> Violation:
    kind = (
        f"type.googleapis.com/{field.message_type.full_name}"
        if field.message_type is not None
        else f"type.googleapis.com/{field.enum_type.full_name}"
        if field.enum_type is not None
        else _TYPE_NAMES[field.type]
    )
    shown = value if isinstance(value, str) else json.dumps(value)
    return where, f"Invalid value at '{where}' ({kind}), \"{shown}\""


def _value(value: Any, field: descriptor.FieldDescriptor, where: str, deep: bool) -> list[Violation]:
    if field.message_type is not None and not _opaque(field.message_type):
        if isinstance(value, dict):
            return _walk(value, field.message_type, where, deep)
        return [_invalid(where, field, value)] if deep else []
    return [_invalid(where, field, value)] if deep and not _converts(value, field) else []


def _walk(value: Mapping[str, Any], message_type: MessageType, path: str, deep: bool) -> list[Violation]:
    """Each name ``value`` gives that ``message_type`` lacks — and, ``deep``, each value that does
    not parse — as Google words it, with the proto path (``time_series[0].points``) it is at."""
    found: list[Violation] = []
    for key, item in value.items():
        field = _field(message_type, key)
        at = f" at '{path}'" if path else ""
        if field is None:
            found.append((path, f'Invalid JSON payload received. Unknown name "{key}"{at}: Cannot find field.'))
            continue
        where = f"{path}.{field.name}" if path else field.name
        if item is None:
            continue
        if _is_map(field):
            if isinstance(item, dict):
                entry_type: MessageType = field.message_type
                entry = entry_type.fields_by_name["value"]
                for name, entry_value in item.items():
                    found += _value(entry_value, entry, f"{where}[{name}]", deep)
            elif deep:
                found.append(_invalid(where, field, item))
        elif field.is_repeated:
            if isinstance(item, list):
                for index, element in enumerate(item):
                    found += _value(element, field, f"{where}[{index}]", deep)
            elif deep:
                found.append(_invalid(where, field, item))
        elif isinstance(item, list) and not _opaque(field.message_type):
            found.append(
                (
                    where,
                    f'Invalid JSON payload received. Unknown name "{key}"{at}: '
                    "Proto field is not repeating, cannot start list.",
                )
            )
        else:
            found += _value(item, field, where, deep)
    return found


def _parse_into(data: Any, target: message.Message, path: str) -> None:
    """Merge the JSON ``data`` into ``target`` (at ``path`` of the request), or refuse it as Google does."""
    if not isinstance(data, dict):
        raise bad_request([("", 'Invalid JSON payload received. Unknown name "": Root element must be a message.')])
    violations = _walk(data, target.DESCRIPTOR, path, deep=False)
    if violations:
        raise bad_request(violations)
    try:
        json_format.ParseDict(data, target)
    except json_format.ParseError as err:
        violations = _walk(data, target.DESCRIPTOR, path, deep=True)
        raise bad_request(violations or [(path, f"Invalid JSON payload received. {err}")]) from None


def _query_value(field: descriptor.FieldDescriptor, text: str) -> Any:
    if field.type == FieldDescriptorProto.TYPE_BOOL:  # gcloud sends Python's "False": Google takes it
        return {"true": True, "false": False}.get(text.lower(), text)
    if field.enum_type is not None and text.lstrip("-").isdigit():
        return int(text)
    if field.cpp_type in (descriptor.FieldDescriptor.CPPTYPE_DOUBLE, descriptor.FieldDescriptor.CPPTYPE_FLOAT):
        try:
            return float(text)
        except ValueError:
            return text
    return text


def _bind_query(request: message.Message, query: Iterable[tuple[str, str]]) -> None:
    grouped: dict[str, list[str]] = {}
    for key, value in query:
        if key.removeprefix("$") not in _SYSTEM:
            grouped.setdefault(key, []).append(value)
    violations: list[Violation] = []
    for key, values in grouped.items():
        parts = key.split(".")
        target, path, field = request, "", None
        for index, part in enumerate(parts):
            field = _field(target.DESCRIPTOR, part)
            if field is None:
                break
            path = f"{path}.{field.name}" if path else field.name
            if index < len(parts) - 1:  # a message to descend into: singular, not a well-known type
                if field.message_type is None or field.is_repeated or _opaque(field.message_type):
                    field = None
                    break
                target = getattr(target, field.name)
        if field is None:
            reason = f"Field '{key}' could not be found in request message."
        elif field.message_type is not None and not _opaque(field.message_type):
            reason = f"'{key}' is a message type. Parameters can only be bound to primitive types."
        else:
            converted = [_query_value(field, value) for value in values]
            try:
                json_format.ParseDict({field.json_name: converted if field.is_repeated else converted[-1]}, target)
            except json_format.ParseError:
                violations.append(_invalid(path, field, values[-1]))
            continue
        violations.append(
            ("", f'Invalid JSON payload received. Unknown name "{key}": Cannot bind query parameter. {reason}')
        )
    if violations:
        raise bad_request(violations)


def _bind_path(request: message.Message, variables: Mapping[str, str]) -> None:
    for path, value in variables.items():
        *parents, leaf = path.split(".")
        target = request
        for name in parents:
            target = getattr(target, name)
        setattr(target, leaf, value)


def build_request(
    request_type: type[message.Message],
    body_field: str,
    variables: Mapping[str, str],
    query: Iterable[tuple[str, str]],
    body: bytes,
) -> message.Message:
    """The request message for one HTTP call (``body_field`` is the rule's ``body``: "", "*" or a field)."""
    request = request_type()
    if body_field and body.strip():
        try:
            data = json.loads(body)
        except json.JSONDecodeError as err:
            raise invalid_json(err) from None
        except UnicodeDecodeError:
            raise invalid_json(json.JSONDecodeError("Invalid \\u", "", 0)) from None
        if body_field == "*":
            _parse_into(data, request, "")
        else:
            _parse_into(data, getattr(request, body_field), body_field)
    _bind_query(request, query)
    _bind_path(request, variables)
    return request
