"""Plain's enums, made from the catalogue's ``enums`` (so their members are Plain's names)."""

from __future__ import annotations

from enum import StrEnum

from ..rules.catalogue import catalogue


def _enum(name: str) -> type[StrEnum]:
    return StrEnum(name, {value: value for value in catalogue().enums[name]})


#: Size of a Text or PlainText (``TextSize.S``, ``.M``, ``.L``).
TextSize = _enum("TextSize")
#: Colour of a Text or PlainText (``TextColor.NORMAL``, ``.MUTED``, ...).
TextColor = _enum("TextColor")
#: Colour of a Badge (``BadgeColor.GREY``, ``.GREEN``, ...).
BadgeColor = _enum("BadgeColor")
#: Spacing of a Divider or size of a Spacer (``SpacingSize.XS`` ... ``.XL``).
SpacingSize = _enum("SpacingSize")
