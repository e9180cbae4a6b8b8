"""The ``csat-score`` card. Values from the data use ``plain_text``, never markdown."""

from __future__ import annotations

from datetime import timedelta

from cardmesh_kit import Card, CardContext, CardProvider, CardSpec, CustomerIndex, Scope
from cardmesh_kit.build import (
    BadgeColor,
    TextColor,
    TextSize,
    badge,
    container,
    date_time,
    plain_text,
    row,
    text,
)

from .data import Csat, load_index

CSAT_SCORE = "csat-score"


def score_badge(score: float):
    """The score as a badge: green from 4.5, yellow from 3.5, red below."""
    color = BadgeColor.GREEN if score >= 4.5 else BadgeColor.YELLOW if score >= 3.5 else BadgeColor.RED
    return badge(f"{score:.1f} / 5", color=color)


def draw_csat(csat: Csat) -> Card:
    content = [
        row([text("CSAT", size=TextSize.L)], [score_badge(csat.score)]),
        row([text("Responses", color=TextColor.MUTED)], [plain_text(str(csat.responses))]),
        row([text("Last response", color=TextColor.MUTED)], [date_time(csat.last_response_at)]),
    ]
    if csat.last_comment:
        content.append(plain_text(f"“{csat.last_comment}”", color=TextColor.MUTED))
    return Card([container(content)])


class FeedbackCards(CardProvider):
    """Finds the customer by external id first, then by email (which Plain may not send)."""

    name = "feedback"

    def __init__(self, index: CustomerIndex[Csat | None]) -> None:
        self.index = index

    @classmethod
    def from_env(cls) -> FeedbackCards:
        return cls(load_index())

    def cards(self):
        return [CardSpec(CSAT_SCORE, "Customer satisfaction", ttl=timedelta(minutes=10),
                         scope=Scope.CUSTOMER)]

    async def card(self, key: str, ctx: CardContext) -> Card:
        csat = self.index.find(ctx.customer)
        return Card.no_data() if csat is None else draw_csat(csat)
