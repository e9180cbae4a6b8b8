"""Write a cardmesh card service in Python with domain code only.

A card service owns a few Plain customer cards. Its author writes one :class:`CardProvider`
(the service's name, its cards, and how to draw one card for one customer) and calls
:func:`run` (or ``await serve(provider)``); the kit answers the gateway's
``cardmesh.v1.CardService`` gRPC calls, reports gRPC health, logs without emails, joins the
gateway's traces, counts Prometheus metrics, and shuts down gracefully on SIGTERM. When the
service's data changes, it awaits :meth:`Invalidator.invalidate`: the gateway drops the cached
cards and Plain reloads them.

    from cardmesh_kit import Card, CardContext, CardProvider, CardSpec, run
    from cardmesh_kit.build import badge, row, text, BadgeColor

    class Hello(CardProvider):
        name = "hello"

        def cards(self):
            return [CardSpec("hello", "Hello")]

        async def card(self, key: str, ctx: CardContext) -> Card:
            if ctx.customer.external_id is None:
                return Card.no_data()
            return Card([row([text("Customer")],
                             [badge(ctx.customer.external_id, color=BadgeColor.BLUE)])])

    if __name__ == "__main__":
        run(Hello())

A provider may also run *actions*: a ``componentWorkflowButton`` on a card runs a Plain workflow
that POSTs to the gateway's ``/actions/{name}``, and the gateway calls the service that declared
the action. Declare them in :meth:`CardProvider.actions` (:class:`ActionSpec`) and run them in
:meth:`CardProvider.action`, answering an :class:`ActionOutcome`.
"""

from .action import (
    ACTION_NAME_PATTERN,
    MAX_ACTION_NAME_BYTES,
    ActionContext,
    ActionOutcome,
    ActionSpec,
    is_valid_action_name,
)
from .build import CardError
from .card import DEFAULT_TTL, Card, CardSpec, Scope
from .context import CardContext, Customer, Tenant, Thread
from .fixture import FIXTURES_ENV, fixture_from_env
from .index import CustomerIndex
from .invalidate import (
    GATEWAY_ADMIN_TOKEN_ENV,
    GATEWAY_ADMIN_URL_ENV,
    GATEWAY_ALLOW_HTTP_ENV,
    MAX_ANSWER_BYTES,
    CustomerId,
    CustomerRef,
    ExternalId,
    Invalidated,
    InvalidateResult,
    Invalidator,
    Refused,
    Unreachable,
    Unusable,
    admin_url_refusal,
)
from .metrics import ServiceMetrics
from .provider import CardProvider
from .serve import (
    DEFAULT_LISTEN,
    LISTEN_ENV,
    METRICS_LISTEN_ENV,
    RunningService,
    run,
    serve,
    start,
)
from .tls import TLS_CERT_ENV, TLS_CLIENT_CA_ENV, TLS_KEY_ENV, ServerTls

__all__ = [
    "ACTION_NAME_PATTERN", "DEFAULT_LISTEN", "DEFAULT_TTL", "FIXTURES_ENV",
    "GATEWAY_ADMIN_TOKEN_ENV", "GATEWAY_ADMIN_URL_ENV", "GATEWAY_ALLOW_HTTP_ENV", "LISTEN_ENV",
    "MAX_ACTION_NAME_BYTES", "MAX_ANSWER_BYTES", "METRICS_LISTEN_ENV", "TLS_CERT_ENV",
    "TLS_CLIENT_CA_ENV", "TLS_KEY_ENV", "ActionContext", "ActionOutcome", "ActionSpec", "Card",
    "CardContext", "CardError", "CardProvider", "CardSpec", "Customer", "CustomerId",
    "CustomerIndex", "CustomerRef", "ExternalId", "InvalidateResult", "Invalidated", "Invalidator",
    "Refused", "RunningService", "Scope", "ServerTls", "ServiceMetrics", "Tenant", "Thread",
    "Unreachable", "Unusable", "admin_url_refusal", "fixture_from_env", "is_valid_action_name",
    "run", "serve", "start",
]
