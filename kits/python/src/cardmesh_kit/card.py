"""What a provider declares (:class:`CardSpec`, :class:`Scope`) and answers (:class:`Card`)."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from cardmesh.v1 import card_service_pb2 as pb

from .build.component import Component
from .rules.catalogue import catalogue

#: Default TTL of a card: 300 seconds.
DEFAULT_TTL = timedelta(seconds=300)

_KEY = re.compile(r"^[a-zA-Z0-9_-]+$")


class Scope(enum.Enum):
    """What the data of a card depends on; the gateway caches a card per value of its scope."""

    #: The customer only (id and external id). Shared across threads.
    CUSTOMER = pb.CARD_SCOPE_CUSTOMER
    #: The customer and the thread the card is shown in.
    THREAD = pb.CARD_SCOPE_THREAD
    #: The customer and the thread's tenant.
    TENANT = pb.CARD_SCOPE_TENANT


def _is_card_key(key: str) -> bool:
    """Whether ``key`` is a Plain card key (``[a-zA-Z0-9_-]+``): the rule for a declared card
    and for a card an action changes."""
    return bool(_KEY.match(key))


def _whole_seconds(ttl: timedelta) -> int:
    """``ttl`` in whole seconds, clamped to the ``uint32`` range."""
    return max(0, min(int(ttl.total_seconds()), 2**32 - 1))


@dataclass(frozen=True)
class CardSpec:
    """One card a provider draws, as ``Describe`` announces it.

    ``key`` is a Plain card key (``[a-zA-Z0-9_-]+``, unique across the gateway's services);
    ``ttl`` (default 300 s, whole seconds; Plain accepts 15 s to 1 year) applies when an
    answer sets none; ``scope`` defaults to :attr:`Scope.CUSTOMER`.
    """

    key: str
    title: str
    ttl: timedelta = DEFAULT_TTL
    scope: Scope = Scope.CUSTOMER

    def to_proto(self) -> pb.CardDefinition:
        return pb.CardDefinition(
            key=self.key, title=self.title,
            default_ttl_seconds=_whole_seconds(self.ttl), scope=self.scope.value,
        )


def check_specs(specs: Sequence[CardSpec]) -> None:
    """Raises ``ValueError`` for a key outside ``[a-zA-Z0-9_-]+``, a key declared twice, or a
    TTL outside the range Plain accepts (the catalogue's ``timeToLiveSeconds``)."""
    limits = catalogue().raw["timeToLiveSeconds"]
    seen: set[str] = set()
    for spec in specs:
        if not _is_card_key(spec.key):
            raise ValueError(f"card key {spec.key!r} does not match [a-zA-Z0-9_-]+")
        if not limits["min"] <= _whole_seconds(spec.ttl) <= limits["max"]:
            raise ValueError(f"card {spec.key!r}: a TTL of {spec.ttl} is outside the "
                             f"{limits['min']} to {limits['max']} seconds Plain accepts")
        if spec.key in seen:
            raise ValueError(f"card key {spec.key!r} is declared twice")
        seen.add(spec.key)


class Card:
    """The answer for one card and one customer: components, no data, or an error.

    Make one with ``Card(components)``, :meth:`Card.no_data` or :meth:`Card.error`.
    """

    __slots__ = ("_kind", "components", "error_reason", "ttl")

    def __init__(self, components: Iterable[Component], ttl: timedelta | None = None) -> None:
        """A card of top-level ``components`` (from :mod:`cardmesh_kit.build`); ``ttl``
        overrides the card's default TTL for this answer only."""
        items = list(components)
        for index, item in enumerate(items):
            if not isinstance(item, Component):
                raise TypeError(f"components[{index}] is a {type(item).__name__}, not a component "
                                "from cardmesh_kit.build")
        self.components: list[Component] = items
        self.ttl = ttl
        self.error_reason: str | None = None
        self._kind = "components"

    @classmethod
    def no_data(cls) -> Card:
        """This customer has no data for this card: Plain hides the card."""
        card = cls([])
        card._kind = "no_data"
        return card

    @classmethod
    def error(cls, reason: str) -> Card:
        """The card could not be drawn; the gateway serves a cached or fallback card and logs
        ``reason`` (keep customer data such as emails out of it)."""
        card = cls([])
        card._kind = "error"
        card.error_reason = reason
        return card

    @property
    def kind(self) -> str:
        """``"components"``, ``"no_data"`` or ``"error"``."""
        return self._kind

    def with_ttl(self, ttl: timedelta) -> Card:
        """This card with a TTL for this answer (no effect on no data and errors)."""
        if self._kind == "components":
            self.ttl = ttl
        return self

    def to_plain(self) -> list[dict]:
        """The components as Plain's JSON (``[{"componentText": {...}}, ...]``)."""
        return [item.to_plain() for item in self.components]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Card):
            return NotImplemented
        return (self._kind, self.to_plain(), self.ttl, self.error_reason) == (
            other._kind, other.to_plain(), other.ttl, other.error_reason)

    def __repr__(self) -> str:
        if self._kind == "error":
            return f"Card.error({self.error_reason!r})"
        if self._kind == "no_data":
            return "Card.no_data()"
        return f"Card({self.to_plain()!r}, ttl={self.ttl!r})"
