"""Running a provider: :func:`serve` (the whole process) and :func:`start` (tests, embedding)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from prometheus_client import start_http_server

from cardmesh.v1 import card_service_pb2_grpc as pb_grpc

from .action import check_actions
from .card import check_specs
from .logs import setup_logging
from .provider import CardProvider
from .server import CardServicer
from .tls import ServerTls
from .trace import setup_tracing

log = logging.getLogger("cardmesh_kit")

#: Environment variable with the address to listen on.
LISTEN_ENV = "CARDMESH_SERVICE_LISTEN"
#: The address :func:`serve` listens on when :data:`LISTEN_ENV` is unset.
DEFAULT_LISTEN = "0.0.0.0:50051"
#: Environment variable with the metrics listener's address (``GET /metrics``); off when unset.
METRICS_LISTEN_ENV = "CARDMESH_SERVICE_METRICS_LISTEN"
#: How long in-flight calls may run after a shutdown signal before they are cancelled.
SHUTDOWN_GRACE_SECONDS = 10.0
#: The gRPC service name the health service reports besides ``""``.
SERVICE_NAME = "cardmesh.v1.CardService"


def parse_address(value: str | None, variable: str, default: str | None) -> tuple[str, int] | None:
    """``host:port`` (``[::1]:port`` for IPv6) from ``value``, else ``default``; raises
    ``ValueError`` naming ``variable`` when it is not one."""
    text = (value or "").strip() or default
    if text is None:
        return None
    host, _, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{variable}={text!r} is not an address like 0.0.0.0:50051")
    return host, int(port)


def _grpc_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass
class RunningService:
    """A started card service: its gRPC port, its metrics port (or ``None``), its servicer."""

    server: grpc.aio.Server
    health: HealthServicer
    servicer: CardServicer
    port: int
    metrics_port: int | None
    _metrics_server: object | None = None

    async def stop(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """Reports ``NOT_SERVING``, stops accepting calls, lets in-flight calls finish (up to
        ``grace`` seconds) and closes the metrics listener."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)
        if self._metrics_server is not None:
            self._metrics_server.shutdown()  # type: ignore[attr-defined]
            self._metrics_server.server_close()  # type: ignore[attr-defined]

    async def wait(self) -> None:
        """Returns when the server has stopped."""
        await self.server.wait_for_termination()


async def start(provider: CardProvider, address: str = "127.0.0.1:0", *,
                tls: ServerTls | None = None, metrics_address: str | None = None) -> RunningService:
    """Starts ``provider`` on ``address`` (port 0 picks a free one) with the health service
    (``SERVING`` for ``""`` and ``cardmesh.v1.CardService``), over ``tls`` when given, and
    ``GET /metrics`` on ``metrics_address`` when given. Raises ``ValueError`` when
    :meth:`CardProvider.cards` has an invalid or duplicate key, or :meth:`CardProvider.actions`
    an invalid or duplicate name or a changed card that is not a card key (a changed card the
    provider does not draw itself is logged as a warning)."""
    check_specs(provider.cards())
    for warning in check_actions(provider.actions(), (spec.key for spec in provider.cards())):
        log.warning(warning, extra={"service": provider.name})
    server = grpc.aio.server()
    servicer = CardServicer(provider)
    pb_grpc.add_CardServiceServicer_to_server(servicer, server)
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    port = (server.add_secure_port(address, tls.credentials()) if tls is not None
            else server.add_insecure_port(address))
    await server.start()
    for name in ("", SERVICE_NAME):
        await health.set(name, health_pb2.HealthCheckResponse.SERVING)
    metrics_server, metrics_port = None, None
    if metrics_address is not None:
        host, wanted = parse_address(metrics_address, METRICS_LISTEN_ENV, None)  # type: ignore[misc]
        metrics_server, _ = start_http_server(wanted, addr=host, registry=servicer.metrics.registry)
        metrics_port = metrics_server.server_port
    return RunningService(server, health, servicer, port, metrics_port, metrics_server)


async def serve(provider: CardProvider) -> None:
    """Runs ``provider`` as a card service process until SIGTERM or SIGINT.

    - listens on ``CARDMESH_SERVICE_LISTEN`` (default ``0.0.0.0:50051``);
    - serves TLS when ``CARDMESH_SERVICE_TLS_CERT_FILE`` and ``CARDMESH_SERVICE_TLS_KEY_FILE``
      are set, requiring client certificates that chain to
      ``CARDMESH_SERVICE_TLS_CLIENT_CA_FILE`` when that is set too;
    - serves Prometheus metrics on ``GET /metrics`` of ``CARDMESH_SERVICE_METRICS_LISTEN``
      when set (default: off);
    - logs structured lines (``CARDMESH_LOG_FORMAT=json``, ``CARDMESH_LOG_LEVEL``), never
      emails; with ``OTEL_EXPORTER_OTLP_ENDPOINT`` set it exports spans over OTLP/gRPC and
      joins the gateway's traces;
    - on a signal, reports ``NOT_SERVING``, stops accepting calls, lets in-flight calls finish
      (up to :data:`SHUTDOWN_GRACE_SECONDS`) and sends the last spans.
    """
    setup_logging()
    telemetry = setup_tracing(provider.name)
    host, port = parse_address(os.environ.get(LISTEN_ENV), LISTEN_ENV, DEFAULT_LISTEN)  # type: ignore[misc]
    tls = ServerTls.from_env()
    metrics = (os.environ.get(METRICS_LISTEN_ENV) or "").strip() or None
    if metrics is not None:
        parse_address(metrics, METRICS_LISTEN_ENV, None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    running = await start(provider, _grpc_address(host, port), tls=tls, metrics_address=metrics)
    log.info("card service listening", extra={
        "service": provider.name, "listen": _grpc_address(host, running.port),
        "metrics": "off" if running.metrics_port is None else f"{metrics}",
        "cards": [spec.key for spec in provider.cards()],
        "actions": [spec.name for spec in provider.actions()], "tls": tls is not None,
        "mtls": bool(tls and tls.requires_client_certs)})
    await stop.wait()
    log.info("shutdown signal received, draining in-flight calls", extra={"service": provider.name})
    await running.stop()
    telemetry.shutdown()
    log.info("card service stopped", extra={"service": provider.name})


def run(provider: CardProvider) -> None:
    """``asyncio.run(serve(provider))`` for a service's ``__main__``: a configuration error is
    printed on one line and exits with status 1 instead of a traceback."""
    try:
        asyncio.run(serve(provider))
    except ValueError as error:
        print(f"{provider.name}: {error}", file=sys.stderr)
        sys.exit(1)
