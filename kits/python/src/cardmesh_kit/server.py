"""The ``cardmesh.v1.CardService`` servicer around a :class:`CardProvider`."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence

import grpc
from opentelemetry.trace import Status, StatusCode

from cardmesh.v1 import card_service_pb2 as pb
from cardmesh.v1 import card_service_pb2_grpc as pb_grpc

from .action import ActionOutcome, InvalidActionRequestError, action_context_from_request
from .build.component import CardError
from .build.proto import to_proto
from .card import Card, _whole_seconds
from .context import MissingCustomerError, context_from_request
from .metrics import ServiceMetrics
from .provider import CardProvider
from .rules.validate import validate_components
from .scrub import service_text
from .trace import get_cards_span, run_action_span, trace_id_of

log = logging.getLogger("cardmesh_kit")


def _error(key: str, reason: str) -> pb.CardResult:
    """A card error. The reason is the provider's text: sent (and logged) scrubbed."""
    return pb.CardResult(key=key, error=pb.CardError(reason=service_text(reason)))


def card_to_result(key: str, card: object) -> pb.CardResult:
    """The ``CardResult`` of ``card``. A card that breaks Plain's rules (checked against the
    catalogue) becomes a card error naming each JSON path and rule, so it never leaves. Every
    error reason is scrubbed (:func:`cardmesh_kit.scrub.service_text`)."""
    if not isinstance(card, Card):
        return _error(key, f"the provider answered a {type(card).__name__}, not a Card")
    if card.kind == "no_data":
        return pb.CardResult(key=key, no_data=pb.NoData())
    if card.kind == "error":
        return _error(key, card.error_reason or "")
    report = validate_components(card.to_plain())
    if not report.ok:
        found = "; ".join(f"{issue.path}: {issue.rule}" for issue in report.violations)
        return _error(key, f"the card breaks Plain's rules: {found}")
    try:
        components = to_proto(card.components)
    except CardError as error:
        return _error(key, f"the card cannot be encoded: {error}")
    result = pb.CardResult(key=key, components=pb.CardComponents(components=components))
    if card.ttl is not None:
        result.time_to_live_seconds = _whole_seconds(card.ttl)
    return result


def in_request_order(keys: Sequence[str], answers: Mapping[str, object]) -> list[pb.CardResult]:
    """One result per requested key, in request order; a key the provider did not answer
    becomes a card error, and a repeated key gets a copy of its first result."""
    results: list[pb.CardResult] = []
    done: dict[str, pb.CardResult] = {}
    for key in keys:
        if key not in done:
            if key in answers:
                done[key] = card_to_result(key, answers[key])
            else:
                done[key] = pb.CardResult(key=key, error=pb.CardError(
                    reason="the provider returned no answer for this key"))
        results.append(done[key])
    return results


class CardServicer(pb_grpc.CardServiceServicer):
    """Answers ``Describe`` from :meth:`CardProvider.cards` and :meth:`CardProvider.actions`,
    ``GetCards`` with :meth:`CardProvider.get_cards` and ``RunAction`` with
    :meth:`CardProvider.action`. ``GetCards`` without a customer is refused with
    ``INVALID_ARGUMENT``; so is ``RunAction`` without an action, a customer or an idempotency
    key, or with a body that is not JSON. ``RunAction`` of an undeclared name is ``NOT_FOUND``.
    Every call is counted in :attr:`metrics`."""

    def __init__(self, provider: CardProvider) -> None:
        self.provider = provider
        self.metrics = ServiceMetrics((spec.key for spec in provider.cards()),
                                      (spec.name for spec in provider.actions()))

    async def Describe(self, request: pb.DescribeRequest, context) -> pb.DescribeResponse:  # noqa: N802
        self.metrics.describe()
        return pb.DescribeResponse(service_name=self.provider.name,
                                   cards=[spec.to_proto() for spec in self.provider.cards()],
                                   actions=[spec.to_proto() for spec in self.provider.actions()])

    async def RunAction(self, request: pb.RunActionRequest, context) -> pb.RunActionResponse:  # noqa: N802
        started = time.perf_counter()
        name = self.provider.name
        with run_action_span(name, context.invocation_metadata(), service_text(request.action)) as span:
            async def refuse(code: grpc.StatusCode, label: str, details: str) -> None:
                self.metrics.refused_run_action(label)
                span.set_attribute("rpc.grpc.status_code", code.value[0])
                span.set_status(Status(StatusCode.ERROR))
                await context.abort(code, details)

            try:
                ctx = action_context_from_request(request, trace_id_of(span))
            except InvalidActionRequestError as error:
                await refuse(grpc.StatusCode.INVALID_ARGUMENT, "invalid_argument", str(error))
                raise  # abort raises; this is never reached
            declared = [spec.name for spec in self.provider.actions()]
            if ctx.action not in declared:
                shown = service_text(ctx.action)
                log.warning("unknown action", extra={"service": name, "action": shown, "known": declared})
                await refuse(grpc.StatusCode.NOT_FOUND, "not_found", f"this service has no action {shown!r}")
            if type(self.provider).action is CardProvider.action:
                # Not a refusal: the gateway keeps a refusal for its idempotency window, and
                # the button would stay refused once the handler is deployed.
                log.warning("the action is declared but the provider does not implement action()",
                            extra={"service": name, "action": ctx.action})
                shown = service_text(ctx.action)
                await refuse(grpc.StatusCode.UNIMPLEMENTED, "unimplemented",
                             f"this service declares the action {shown!r} but does not run it")
            try:
                outcome = await self.provider.action(ctx.action, ctx)
                if not isinstance(outcome, ActionOutcome):
                    outcome = ActionOutcome.failed(
                        f"the action answered a {type(outcome).__name__}, not an ActionOutcome")
            except Exception as error:
                # The message may carry customer data: only the exception's type goes out.
                outcome = ActionOutcome.failed(f"the action raised {type(error).__name__}")
            response = outcome.to_proto()
            fields = {"service": name, "action": ctx.action, "customer_id": ctx.customer.id,
                      "preview": ctx.preview, "outcome": outcome.kind}
            if outcome.kind == "succeeded":
                log.info("action ran", extra=fields)
            else:
                log.warning("action did not run", extra={
                    **fields, "reason": getattr(response, outcome.kind).reason})
            self.metrics.run_action(ctx.action, time.perf_counter() - started, outcome.kind)
            return response

    async def GetCards(self, request: pb.GetCardsRequest, context) -> pb.GetCardsResponse:  # noqa: N802
        started = time.perf_counter()
        name = self.provider.name
        with get_cards_span(name, context.invocation_metadata(), len(request.card_keys)) as span:
            try:
                ctx = context_from_request(request)
            except MissingCustomerError as error:
                self.metrics.invalid_get_cards()
                span.set_attribute("rpc.grpc.status_code", grpc.StatusCode.INVALID_ARGUMENT.value[0])
                span.set_status(Status(StatusCode.ERROR))
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(error))
                raise  # abort raises; this is never reached
            unique = list(dict.fromkeys(request.card_keys))
            answers = await self.provider.get_cards(unique, ctx)
            results = in_request_order(request.card_keys, answers)
            for result in results:
                if result.WhichOneof("outcome") == "error":
                    log.warning("card could not be drawn", extra={
                        "service": name, "key": result.key, "customer_id": ctx.customer.id,
                        "reason": result.error.reason})
            elapsed = time.perf_counter() - started
            log.debug("answered GetCards", extra={
                "service": name, "keys": list(request.card_keys),
                "customer_id": ctx.customer.id, "elapsed_ms": round(elapsed * 1000)})
            self.metrics.get_cards(elapsed, [(r.key, r.WhichOneof("outcome")) for r in results])
            return pb.GetCardsResponse(results=results)
