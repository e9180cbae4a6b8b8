"""The base of every builder: a Plain component as its wrapper key and its JSON fields."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..rules.catalogue import catalogue


class CardError(ValueError):
    """A card that Plain's rules refuse, raised before it leaves the service. The message
    names the JSON path of the problem."""


class Component:
    """One Plain component. ``kind`` is its wrapper key (``"componentText"``); ``fields`` are
    its JSON fields, with ``None`` for fields left out. Make one with the builder functions of
    :mod:`cardmesh_kit.build`, not directly.

    The subclasses :class:`Leaf`, :class:`Row` and :class:`Container` let a type checker see
    bad nesting in the builders' signatures; at run time the catalogue decides."""

    __slots__ = ("fields", "kind")

    def __init__(self, kind: str, fields: dict[str, Any]) -> None:
        if kind not in catalogue().components:
            raise CardError(f"{kind} is not a Plain component")
        self.kind = kind
        self.fields = fields

    def to_plain(self) -> dict[str, Any]:
        """This component as Plain's JSON, e.g. ``{"componentText": {"text": "Hi"}}``."""
        return {self.kind: {name: _plain(value) for name, value in self.fields.items()
                            if value is not None}}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_plain()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Component) and self.to_plain() == other.to_plain()

    def __hash__(self) -> int:
        return hash(repr(self))


class Leaf(Component):
    """A component that holds no others (text, badge, button, ...): allowed at every level."""

    __slots__ = ()


class Row(Component):
    """A ``componentRow``: allowed at the top level and in a container, not in a row."""

    __slots__ = ()


class Container(Component):
    """A ``componentContainer``: allowed at the top level only."""

    __slots__ = ()


def _plain(value: Any) -> Any:
    if isinstance(value, Component):
        return value.to_plain()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if item is not None}
    return value


def nested(items: Iterable[Component], level: str, path: str) -> list[Component]:
    """``items`` as a list, refusing (``CardError`` naming ``path[i]``) anything that is not
    a component allowed at ``level`` of the catalogue."""
    allowed = catalogue().allowed(level)
    checked = list(items)
    for index, item in enumerate(checked):
        if not isinstance(item, Component):
            raise CardError(f"{path}[{index}]: a {type(item).__name__} is not a component")
        if item.kind not in allowed:
            raise CardError(f"{path}[{index}]: {item.kind} is not allowed here "
                            f"(a {level} holds {', '.join(allowed)})")
    return checked
