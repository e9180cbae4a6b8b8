"""Plain's enums as ``StrEnum`` classes, so a type checker sees their members.

The members are written out for type checkers; the catalogue's ``enums`` stay the source of
truth: the builders check every value against the catalogue, and
``tests/test_build.py::test_the_enums_are_the_catalogues`` fails when a member is missing or
extra.
"""

from __future__ import annotations

from enum import StrEnum


class TextSize(StrEnum):
    """Size of a Text or PlainText (Plain's default is M)."""

    S = "S"
    M = "M"
    L = "L"


class TextColor(StrEnum):
    """Colour of a Text or PlainText (Plain's default is NORMAL)."""

    NORMAL = "NORMAL"
    MUTED = "MUTED"
    SUCCESS = "SUCCESS"
    WARNING = "WARNING"
    ERROR = "ERROR"


class BadgeColor(StrEnum):
    """Colour of a Badge (Plain shows GREY by default)."""

    GREY = "GREY"
    GREEN = "GREEN"
    YELLOW = "YELLOW"
    RED = "RED"
    BLUE = "BLUE"


class SpacingSize(StrEnum):
    """Spacing of a Divider (default S) or size of a Spacer (required)."""

    XS = "XS"
    S = "S"
    M = "M"
    L = "L"
    XL = "XL"


#: Each class by the catalogue's name for its enum.
BY_CATALOGUE_NAME: dict[str, type[StrEnum]] = {
    "TextSize": TextSize, "TextColor": TextColor, "BadgeColor": BadgeColor, "SpacingSize": SpacingSize,
}
