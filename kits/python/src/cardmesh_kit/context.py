"""Who a card is drawn for: :class:`CardContext` and its parts, read from ``GetCardsRequest``."""

from __future__ import annotations

from dataclasses import dataclass, field

from cardmesh.v1 import card_service_pb2 as pb


@dataclass(frozen=True)
class Customer:
    """The Plain customer a card is drawn for.

    ``email`` is personal data: never log it. ``repr()`` redacts it. It is ``None`` when Plain
    sent no email (contacts created by integrations can have none): find such a customer by
    ``external_id`` or ``id``.
    """

    id: str
    email: str | None = field(default=None, repr=False)
    external_id: str | None = None

    def __repr__(self) -> str:
        shown = "<redacted>" if self.email is not None else "None"
        return f"Customer(id={self.id!r}, email={shown}, external_id={self.external_id!r})"


@dataclass(frozen=True)
class Thread:
    """The Plain thread a card is shown in."""

    id: str
    external_id: str | None = None


@dataclass(frozen=True)
class Tenant:
    """The tenant of the thread a card is shown in."""

    id: str
    external_id: str | None = None


@dataclass(frozen=True)
class CardContext:
    """Everything a card may depend on. Read only what the card's :class:`Scope` allows."""

    customer: Customer
    workspace_id: str = ""
    thread: Thread | None = None
    tenant: Tenant | None = None


class MissingCustomerError(ValueError):
    """A ``GetCardsRequest`` without a customer (answered with ``INVALID_ARGUMENT``)."""

    def __init__(self) -> None:
        super().__init__("GetCardsRequest.customer is required")


def _optional(message, name: str) -> str | None:
    """An optional string field, with an empty string treated as absent."""
    if message.HasField(name):
        value = getattr(message, name)
        return value or None
    return None


def _customer(customer: pb.Customer) -> Customer:
    """The :class:`Customer` of a request's ``customer`` (a ``GetCardsRequest``'s or a
    ``RunActionRequest``'s); an empty email or external id counts as absent."""
    return Customer(
        id=customer.id,
        email=_optional(customer, "email"),
        external_id=_optional(customer, "external_id"),
    )


def _thread(request: pb.GetCardsRequest | pb.RunActionRequest) -> Thread | None:
    """The :class:`Thread` of ``request``, or ``None`` when it names none; an empty external id
    counts as absent."""
    if not request.HasField("thread"):
        return None
    return Thread(request.thread.id, _optional(request.thread, "external_id"))


def context_from_request(request: pb.GetCardsRequest) -> CardContext:
    """The context of ``request``; raises :class:`MissingCustomerError` without a customer."""
    if not request.HasField("customer"):
        raise MissingCustomerError()
    tenant = request.tenant if request.HasField("tenant") else None
    return CardContext(
        workspace_id=request.workspace_id,
        customer=_customer(request.customer),
        thread=_thread(request),
        tenant=Tenant(tenant.id, _optional(tenant, "external_id")) if tenant is not None else None,
    )
