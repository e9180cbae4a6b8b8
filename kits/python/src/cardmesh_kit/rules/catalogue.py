"""Loading the catalogue (format version 1) shipped in this package."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

#: The catalogue format this kit reads.
SUPPORTED_VERSION = 1


@dataclass(frozen=True)
class Catalogue:
    """Plain's rules: enums, which component may appear at which level, and each component's
    fields and deprecated aliases. See ``CATALOGUE-FORMAT`` in the repository's docs."""

    raw: dict[str, Any]

    @property
    def enums(self) -> dict[str, list[str]]:
        return self.raw["enums"]

    @property
    def levels(self) -> dict[str, list[str]]:
        return self.raw["levels"]

    @property
    def components(self) -> dict[str, dict[str, Any]]:
        return self.raw["components"]

    def fields(self, kind: str) -> dict[str, dict[str, Any]]:
        """The fields of the component ``kind`` (e.g. ``"componentText"``)."""
        return self.components[kind]["fields"]

    def aliases(self, kind: str) -> dict[str, str]:
        """Deprecated field name to current name, for the component ``kind``."""
        return self.components[kind].get("aliases", {})

    def allowed(self, level: str) -> list[str]:
        """The component kinds allowed in a list of ``level``."""
        return self.levels[level]


def parse(text: str) -> Catalogue:
    """Parses a catalogue; raises ``ValueError`` for an unsupported version or shape."""
    raw = json.loads(text)
    if raw.get("version") != SUPPORTED_VERSION:
        raise ValueError(f"catalogue version {raw.get('version')!r} is not {SUPPORTED_VERSION}")
    for key in ("enums", "levels", "components"):
        if not isinstance(raw.get(key), dict):
            raise ValueError(f"catalogue has no {key!r} object")
    return Catalogue(raw)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The catalogue shipped in this package (read once)."""
    return parse(resources.files(__package__).joinpath("catalogue.json").read_text("utf-8"))
