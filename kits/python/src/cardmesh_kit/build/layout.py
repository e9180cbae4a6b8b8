"""``row`` and ``container``: the two components that hold others, with the nesting the
catalogue allows (a row holds leaves only; a container holds leaves and rows)."""

from __future__ import annotations

from collections.abc import Iterable

from .component import Component, nested


def row(main: Iterable[Component], aside: Iterable[Component]) -> Component:
    """``componentRow``: two columns. Raises :class:`CardError` when a column holds a row or a
    container (anything outside the catalogue's ``rowContent`` level)."""
    return Component("componentRow", {
        "rowMainContent": nested(main, "rowContent", "componentRow.rowMainContent"),
        "rowAsideContent": nested(aside, "rowContent", "componentRow.rowAsideContent"),
    })


def container(content: Iterable[Component]) -> Component:
    """``componentContainer``: a bordered group. Raises :class:`CardError` when it holds a
    container (anything outside the catalogue's ``containerContent`` level)."""
    return Component("componentContainer", {
        "containerContent": nested(content, "containerContent", "componentContainer.containerContent"),
    })
