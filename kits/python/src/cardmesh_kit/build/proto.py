"""Plain's JSON to the ``cardmesh.v1`` component messages, driven by the proto descriptors.

The names line up by construction of the proto: a wrapper key ``componentLinkButton`` is the
``link_button`` field of the level's ``oneof``; a JSON field is a message field's
``json_name``; an enum name ``S`` of ``TextSize`` is ``TEXT_SIZE_S``; a nested identifier
object (``userIdentifier``, ``workflowButtonWorkflowIdentifier``) is the message's ``oneof``
(named with or without the message's own name in front).
"""

from __future__ import annotations

import re
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from cardmesh.v1 import components_pb2 as pb

from .component import CardError, Component


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _lower_camel(name: str) -> str:
    return name[0].lower() + name[1:]


def _pascal(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def to_proto(components: list[Component]) -> list[pb.Component]:
    """The top-level ``components`` as ``cardmesh.v1.Component`` messages."""
    return [_wrapper(pb.Component(), item.to_plain(), f"components[{i}]")
            for i, item in enumerate(components)]


def _wrapper(message: Message, item: dict[str, Any], path: str) -> Message:
    """Fills a level message (``Component``, ``ContainerContent``, ``RowContent``) from one
    ``{"componentX": {...}}`` object."""
    (kind, body), = item.items()
    name = _snake(kind.removeprefix("component"))
    field = message.DESCRIPTOR.fields_by_name.get(name)
    if field is None:
        raise CardError(f"{path}.{kind}: not allowed in a {message.DESCRIPTOR.name}")
    _fill(getattr(message, name), body, f"{path}.{kind}")
    getattr(message, name).SetInParent()  # a component with no fields set (a divider) too
    return message


def _fill(message: Message, body: dict[str, Any], path: str) -> None:
    descriptor: Descriptor = message.DESCRIPTOR
    by_json = {field.json_name: field for field in descriptor.fields}
    oneofs = _oneofs_by_json(descriptor)
    for key, value in body.items():
        if key in oneofs:
            (option, chosen), = value.items()
            _set(message, by_json[option], chosen, f"{path}.{key}.{option}")
        elif key in by_json:
            _set(message, by_json[key], value, f"{path}.{key}")
        else:
            raise CardError(f"{path}.{key}: {descriptor.name} has no such field")


def _oneofs_by_json(descriptor: Descriptor) -> dict[str, Any]:
    prefix = _lower_camel(descriptor.name)
    names: dict[str, Any] = {}
    for oneof in descriptor.oneofs:
        if oneof.name.startswith("_"):  # proto3 `optional` fields
            continue
        names[_lower_camel(_pascal(oneof.name))] = oneof
        names[prefix + _pascal(oneof.name)] = oneof
    return names


def _set(message: Message, field: FieldDescriptor, value: Any, path: str) -> None:
    if field.type == FieldDescriptor.TYPE_ENUM:
        prefix = _snake(field.enum_type.name).upper()
        number = field.enum_type.values_by_name.get(f"{prefix}_{value}")
        if number is None:
            raise CardError(f"{path}: {value!r} is not a {field.enum_type.name}")
        setattr(message, field.name, number.number)
    elif field.type == FieldDescriptor.TYPE_MESSAGE and _is_repeated(field):
        target = getattr(message, field.name)
        for index, item in enumerate(value):
            _wrapper(target.add(), item, f"{path}[{index}]")
    elif field.type == FieldDescriptor.TYPE_MESSAGE:
        _fill(getattr(message, field.name), value, path)
    else:
        setattr(message, field.name, value)


def _is_repeated(field: FieldDescriptor) -> bool:
    return getattr(field, "is_repeated", None) or field.label == FieldDescriptor.LABEL_REPEATED
