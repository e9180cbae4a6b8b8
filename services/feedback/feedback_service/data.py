"""The fixture's records: one customer's survey results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cardmesh_kit import CustomerIndex, fixture_from_env

#: The service's own data, used unless ``CARDMESH_FIXTURES`` names another file.
DEFAULT_FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "feedback.json"


@dataclass(frozen=True)
class Csat:
    """Survey results: mean score (1 to 5), how many answered, the last answer."""

    score: float
    responses: int
    last_response_at: datetime
    last_comment: str | None = None


def _csat(raw: dict[str, Any], where: str) -> Csat:
    try:
        last = datetime.fromisoformat(raw["lastResponseAt"])
        if last.tzinfo is None:
            raise ValueError("lastResponseAt has no time zone")
        score = float(raw["score"])
        if not 1 <= score <= 5:
            raise ValueError(f"score {score} is outside 1 to 5")
        return Csat(score, int(raw["responses"]), last, raw.get("lastComment"))
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{where}.csat: {error}") from error


def load_index() -> CustomerIndex[Csat | None]:
    """The customers of the fixture, by external id and email; ``None`` for a customer with
    no survey answers (no data)."""
    raw = fixture_from_env(DEFAULT_FIXTURE)
    index: CustomerIndex[Csat | None] = CustomerIndex()
    for position, customer in enumerate(raw.get("customers", [])):
        where = f"customers[{position}]"
        csat = _csat(customer["csat"], where) if customer.get("csat") is not None else None
        try:
            index.insert(customer.get("externalId"), customer.get("email"), csat)
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from error
    return index
