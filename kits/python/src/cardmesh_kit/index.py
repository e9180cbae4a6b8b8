""":class:`CustomerIndex`: finds your own record for a Plain customer."""

from __future__ import annotations

from typing import Generic, TypeVar

from .context import Customer

T = TypeVar("T")


def _email(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value or None


class CustomerIndex(Generic[T]):
    """Your records, findable by the Plain customer's external id first and then by email
    (case-insensitive), which is how a card service usually matches Plain's customer to its
    own data. A customer with no email (Plain sent ``null``) is found by external id only."""

    def __init__(self) -> None:
        self._records: list[T] = []
        self._by_external_id: dict[str, int] = {}
        self._by_email: dict[str, int] = {}

    def insert(self, external_id: str | None, email: str | None, record: T) -> None:
        """Adds ``record``, findable by ``external_id`` (exact) and/or ``email``
        (case-insensitive); empty strings count as absent.

        Raises ``ValueError`` when both are absent or either already belongs to an earlier
        record. Messages name the external id but never the email.
        """
        external_id = (external_id or "").strip() or None
        email = _email(email)
        if external_id is None and email is None:
            raise ValueError("a record needs an external id or an email")
        if external_id is not None and external_id in self._by_external_id:
            earlier = self._by_external_id[external_id]
            raise ValueError(f"external id {external_id!r} already belongs to record {earlier}")
        if email is not None and email in self._by_email:
            raise ValueError(f"the email already belongs to record {self._by_email[email]}")
        position = len(self._records)
        if external_id is not None:
            self._by_external_id[external_id] = position
        if email is not None:
            self._by_email[email] = position
        self._records.append(record)

    def find(self, customer: Customer) -> T | None:
        """The record for ``customer``: by external id when it is known, otherwise by email."""
        position = None
        if customer.external_id:
            position = self._by_external_id.get(customer.external_id.strip())
        if position is None and (email := _email(customer.email)) is not None:
            position = self._by_email.get(email)
        return None if position is None else self._records[position]

    def __len__(self) -> int:
        return len(self._records)

    def records(self) -> list[T]:
        """All records, in insertion order."""
        return list(self._records)
