"""The one class a card service implements."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence

from .action import ActionContext, ActionOutcome, ActionSpec
from .card import Card, CardSpec
from .context import CardContext

log = logging.getLogger("cardmesh_kit")


class CardProvider(ABC):
    """A card service's domain code: its name, its cards, and how to draw one card;
    optionally its actions (what a workflow button on a card runs) and how to run one.

    Serve it with :func:`cardmesh_kit.serve` (or :func:`cardmesh_kit.serve_on` in tests).
    """

    @property
    @abstractmethod
    def name(self) -> str:
        """A short name for logs and metrics, e.g. ``"feedback"``."""

    @abstractmethod
    def cards(self) -> Sequence[CardSpec]:
        """The cards this provider draws. Keys match ``[a-zA-Z0-9_-]+`` and are unique."""

    async def card(self, key: str, ctx: CardContext) -> Card:
        """Draws the card ``key`` (one of :meth:`cards`) for ``ctx``.

        Answer :meth:`Card.no_data` when the customer has nothing to show and
        :meth:`Card.error` when the data could not be fetched; the gateway applies its
        deadline (2 s by default) to the whole call. Override this or :meth:`get_cards`.
        """
        raise NotImplementedError(f"{type(self).__name__} implements neither card nor get_cards")

    def actions(self) -> Sequence[ActionSpec]:
        """The actions this provider runs. Names match ``[a-z0-9][a-z0-9-]*`` (at most 64
        bytes) and are unique. Default: none."""
        return []

    async def action(self, name: str, ctx: ActionContext) -> ActionOutcome:
        """Runs the action ``name`` (one of :meth:`actions`; any other name is answered
        ``NOT_FOUND`` without calling this) for ``ctx``.

        Answer :meth:`ActionOutcome.succeeded` with a short message for the agent,
        :meth:`ActionOutcome.refused` when a retry would not help (the gateway answers Plain
        422) and :meth:`ActionOutcome.failed` when it may (503, retried). A call that raises is
        answered as failed. When ``ctx.preview`` is set, change no real data. A provider that
        declares actions overrides this; the kit answers an action of a provider that does not
        with ``UNIMPLEMENTED`` (which the gateway does not keep, unlike a refusal) without
        calling it.
        """
        raise NotImplementedError(f"{type(self).__name__} declares the action {name!r} but does not run it")

    async def get_cards(self, keys: Sequence[str], ctx: CardContext) -> dict[str, Card]:
        """Draws several cards for one customer: one answer per key.

        The default runs :meth:`card` for all keys concurrently. Keys that are not in
        :meth:`cards` get :meth:`Card.no_data`; a ``card`` call that raises gets
        :meth:`Card.error` (the exception is logged without the customer's email). Override it
        to batch backend calls across keys.
        """
        known = {spec.key for spec in self.cards()}

        async def draw(key: str) -> Card:
            if key not in known:
                return Card.no_data()
            try:
                return await self.card(key, ctx)
            except Exception as error:
                log.warning("card raised while drawing", extra={
                    "service": self.name, "key": key, "customer_id": ctx.customer.id,
                    "error": type(error).__name__})
                return Card.error(f"the card raised {type(error).__name__} while drawing")

        answers = await asyncio.gather(*(draw(key) for key in keys))
        return dict(zip(keys, answers, strict=True))
