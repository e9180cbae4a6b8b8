"""Tracing: joins the gateway's trace from the ``traceparent`` metadata of a call.

:func:`setup_tracing` (called by :func:`cardmesh_kit.serve`) exports spans over OTLP/gRPC when
``OTEL_EXPORTER_OTLP_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` is set, unless
``OTEL_SDK_DISABLED=true`` or ``OTEL_TRACES_EXPORTER=none``. ``service.name`` is
``OTEL_SERVICE_NAME``, else the provider's name; the OpenTelemetry SDK reads the other
standard ``OTEL_*`` variables itself (sampler, resource attributes, headers, timeouts).
Without an endpoint nothing is exported, and the log lines of a call still carry the caller's
trace id (or a random one when the caller sent none).
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanContext, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_PROPAGATOR = TraceContextTextMapPropagator()
_TRACER_NAME = "cardmesh_kit"


class Telemetry:
    """The installed tracer provider, if any; :meth:`shutdown` sends the last spans."""

    def __init__(self, provider: object | None) -> None:
        self._provider = provider

    @property
    def exporting(self) -> bool:
        return self._provider is not None

    def shutdown(self) -> None:
        if self._provider is not None:
            self._provider.shutdown()  # type: ignore[attr-defined]


def _enabled() -> bool:
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "none":
        return False
    return any(os.environ.get(name, "").strip() for name in
               ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def setup_tracing(service_name: str) -> Telemetry:
    """Installs an OTLP-exporting tracer provider when the environment asks for one."""
    if not _enabled():
        return Telemetry(None)
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # A collector that is down drops spans (as in the Rust kit) without a warning per export.
    logging.getLogger("opentelemetry.exporter.otlp.proto.grpc.exporter").setLevel(logging.ERROR)
    name = os.environ.get("OTEL_SERVICE_NAME", "").strip() or service_name
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return Telemetry(provider)


def caller_context(metadata: Sequence[tuple[str, str | bytes]] | None) -> Context:
    """The trace context the caller sent (``traceparent``, ``tracestate``), or an empty one."""
    carrier = {key.lower(): value for key, value in (metadata or ()) if isinstance(value, str)}
    return _PROPAGATOR.extract(carrier=carrier)


@contextmanager
def get_cards_span(service: str, metadata, keys: int) -> Iterator[trace.Span]:
    """The ``card_service_request`` span of one ``GetCards`` call, a child of the caller's
    span when it sent ``traceparent``. Current for the call, so log lines get its trace id."""
    with _server_span("card_service_request", metadata, {
            "rpc.method": "cardmesh.v1.CardService/GetCards", "service": service, "keys": keys}) as span:
        yield span


@contextmanager
def run_action_span(service: str, metadata, action: str) -> Iterator[trace.Span]:
    """The ``card_service_action`` span of one ``RunAction`` call, as :func:`get_cards_span`."""
    with _server_span("card_service_action", metadata, {
            "rpc.method": "cardmesh.v1.CardService/RunAction", "service": service,
            "action": action}) as span:
        yield span


def trace_id_of(span: trace.Span) -> str:
    """The span's trace id as 32 lowercase hex digits."""
    return format(span.get_span_context().trace_id, "032x")


@contextmanager
def _server_span(name: str, metadata, attributes: dict[str, str | int]) -> Iterator[trace.Span]:
    tracer = trace.get_tracer(_TRACER_NAME)
    with tracer.start_as_current_span(name, context=caller_context(metadata), kind=SpanKind.SERVER,
                                      attributes={"rpc.system": "grpc", **attributes}) as span:
        if span.get_span_context().is_valid:
            yield span
            return
        # Neither the caller nor this process traces: a random trace id still ties the
        # call's log lines together.
        local = trace.NonRecordingSpan(SpanContext(
            trace_id=random.getrandbits(128) or 1, span_id=random.getrandbits(64) or 1, is_remote=False))
        with trace.use_span(local):
            yield local
