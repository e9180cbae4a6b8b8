"""``row`` and ``container``: the two components that hold others, with the nesting the
catalogue allows (a row holds leaves only; a container holds leaves and rows)."""

from __future__ import annotations

from collections.abc import Iterable

from .component import Container, Leaf, Row, nested


def row(main: Iterable[Leaf], aside: Iterable[Leaf]) -> Row:
    """``componentRow``: two columns. Raises :class:`CardError` when a column holds a row or a
    container (anything outside the catalogue's ``rowContent`` level)."""
    return Row("componentRow", {
        "rowMainContent": nested(main, "rowContent", "componentRow.rowMainContent"),
        "rowAsideContent": nested(aside, "rowContent", "componentRow.rowAsideContent"),
    })


def container(content: Iterable[Leaf | Row]) -> Container:
    """``componentContainer``: a bordered group. Raises :class:`CardError` when it holds a
    container (anything outside the catalogue's ``containerContent`` level)."""
    return Container("componentContainer", {
        "containerContent": nested(content, "containerContent", "componentContainer.containerContent"),
    })
