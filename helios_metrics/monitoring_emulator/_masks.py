"""Update masks on raw messages, with the API's semantics: every listed field is set from the
supplied message — or reset to its default when the supplied message does not have it — and every
other field is kept."""

from __future__ import annotations

from collections.abc import Iterable

from google.protobuf import descriptor as _descriptor
from google.protobuf import message

from ._errors import invalid_argument

__all__ = ["apply_mask"]

_MESSAGE = _descriptor.FieldDescriptor.TYPE_MESSAGE


def _copy_field(target: message.Message, source: message.Message, name: str) -> None:
    field = target.DESCRIPTOR.fields_by_name[name]
    target.ClearField(name)
    if field.is_repeated:
        getattr(target, name).MergeFrom(getattr(source, name))  # lists and maps alike
    elif field.type == _MESSAGE:
        if source.HasField(name):
            getattr(target, name).CopyFrom(getattr(source, name))
    else:
        setattr(target, name, getattr(source, name))


def apply_mask(target: message.Message, source: message.Message, paths: Iterable[str], what: str) -> None:
    """Copy the masked ``paths`` (snake_case or camelCase, dotted into sub-messages) from
    ``source`` into ``target``; an unknown path fails the call with INVALID_ARGUMENT."""
    for path in paths:
        parts = [_snake(part) for part in path.split(".")]
        into, out_of = target, source
        for depth, part in enumerate(parts):
            fields = into.DESCRIPTOR.fields_by_name
            part = part if part in fields else f"{part}_"  # proto-plus renamed fields such as `type`
            field = fields.get(part)
            if field is None or (depth < len(parts) - 1 and (field.type != _MESSAGE or field.is_repeated)):
                raise invalid_argument(f'Field update_mask had an invalid value of "{path}": {what} has no such field.')
            if depth == len(parts) - 1:
                _copy_field(into, out_of, part)
            else:
                into, out_of = getattr(into, part), getattr(out_of, part)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
