"""Typed builders named after Plain's components.

>>> from cardmesh_kit.build import badge, container, row, text, BadgeColor
>>> card = [container([row([text("Plan")], [badge("Pro", color=BadgeColor.GREEN)])])]

The nesting comes from the catalogue: a row holds leaves only and a container holds leaves and
rows, so ``row([row(...)], ...)`` or ``container([container(...)])`` raises :class:`CardError`
naming the position. :func:`check` runs every other rule (lengths, URLs, required fields) on a
whole card; the server runs it on each card it answers and turns a card that breaks a rule into
a card error (logged with its path) instead of sending it.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..rules.validate import Issue, validate_components
from .component import CardError, Component, Container, Leaf, Row
from .enums import BadgeColor, SpacingSize, TextColor, TextSize
from .layout import container, row
from .leaf import (
    badge,
    copy_button,
    date_time,
    divider,
    link_button,
    plain_text,
    spacer,
    text,
    user,
    workflow_button,
)


def problems(components: Iterable[Component]) -> list[Issue]:
    """Every violation of Plain's rules in a card's top-level ``components`` (empty when
    valid), each with its JSON path and rule code."""
    return validate_components([item.to_plain() for item in components]).violations


def check(components: Iterable[Component]) -> None:
    """Raises :class:`CardError` listing every violation in ``components``."""
    found = problems(components)
    if found:
        raise CardError("; ".join(str(issue) for issue in found))


__all__ = [
    "BadgeColor", "CardError", "Component", "Container", "Leaf", "Row", "SpacingSize", "TextColor",
    "TextSize", "badge", "check", "container", "copy_button", "date_time", "divider", "link_button",
    "plain_text", "problems", "row", "spacer", "text", "user", "workflow_button",
]
