"""Invalidator: the requests it sends and its retry policy, against a recording HTTP server in
this process; then against the real gateway binary with a real Redis."""

import asyncio
import json
import logging
import re
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cardmesh_kit import (
    GATEWAY_ADMIN_TOKEN_ENV,
    GATEWAY_ADMIN_URL_ENV,
    GATEWAY_ALLOW_HTTP_ENV,
    MAX_ANSWER_BYTES,
    Card,
    CardProvider,
    CardSpec,
    CustomerId,
    ExternalId,
    Invalidated,
    Invalidator,
    Refused,
    Unreachable,
    Unusable,
    start,
)
from cardmesh_kit.build import text
from cardmesh_kit.logs import JsonFormatter, TextFormatter
from cardmesh_kit.testing import Gateway, Process, free_port, wait_until

TOKEN = "s3cret-service-token-never-logged-0123"
ANSWER = {"invalidated": {"customerId": "c_ada", "cardKeys": ["plan"]}, "reloads": []}


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: object


@dataclass
class Recorder:
    """An HTTP server on a free port answering each request with the next of ``answers``
    (the last one repeated), and recording what it was sent."""

    answers: list[tuple[int, object]]
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self):
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                recorder.seen.append(Seen(self.command, self.path, dict(self.headers.items()),
                                          json.loads(raw)))
                index = min(len(recorder.seen), len(recorder.answers)) - 1
                status, body = recorder.answers[index]
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder():
    servers = []

    def make(*answers):
        server = Recorder(list(answers))
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def silent_server():
    """A port that accepts connections and never answers; counts the connections."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    listener.close()
    for connection in accepted:
        connection.close()


def logged(caplog):
    """Every captured record, as both of the kit's formatters print it."""
    return "\n".join(formatter.format(record) for record in caplog.records
                     for formatter in (TextFormatter(), JsonFormatter()))


async def test_the_request_is_a_bearer_post_of_the_customer_and_keys(recorder):
    server = recorder((200, ANSWER))
    invalidator = Invalidator(server.url + "/", TOKEN)
    result = await invalidator.invalidate(CustomerId("c_ada"), ["plan"])
    assert result == Invalidated(ANSWER)
    [seen] = server.seen
    assert (seen.method, seen.path, seen.body) == ("POST", "/admin/invalidate",
                                                   {"customerId": "c_ada", "cardKeys": ["plan"]})
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
    assert seen.headers["Content-Type"] == "application/json"

    result = await invalidator.invalidate(ExternalId("cus_1"))
    assert result == Invalidated(ANSWER)
    assert server.seen[1].body == {"externalId": "cus_1"}


async def test_a_503_is_retried_and_then_succeeds(recorder, caplog):
    caplog.set_level(logging.INFO, "cardmesh_kit")
    server = recorder((503, {"error": {"code": "cache_unavailable", "message": "redis"}}), (200, ANSWER))
    result = await Invalidator(server.url, TOKEN, backoff=0.01).invalidate(CustomerId("c_ada"), ["plan"])
    assert result == Invalidated(ANSWER)
    assert len(server.seen) == 2
    assert server.seen[0].body == server.seen[1].body
    assert "change reported to the gateway" in logged(caplog)


async def test_429_and_5xx_until_the_last_attempt_end_unreachable(recorder, caplog):
    server = recorder((429, {"error": {"code": "rate_limited"}}),
                      (502, {"error": {"code": "plain_unavailable"}}))
    result = await Invalidator(server.url, TOKEN, attempts=4, backoff=0.01).invalidate(ExternalId("cus_1"))
    assert result == Unreachable(4, "HTTP 502 plain_unavailable")
    assert len(server.seen) == 4
    assert "cannot report a change to the gateway" in logged(caplog)


@pytest.mark.parametrize(("status", "body", "code"), [
    (401, {"error": {"code": "invalid_admin_token", "message": "bad token"}}, "invalid_admin_token"),
    (400, {"error": {"code": "invalid_body"}}, "invalid_body"),
    (404, "no error envelope", "unknown"),
])
async def test_a_refusal_is_not_retried(recorder, caplog, status, body, code):
    server = recorder((status, body), (200, ANSWER))
    result = await Invalidator(server.url, TOKEN, backoff=0.01).invalidate(CustomerId("c_ada"))
    assert result == Refused(status, code)
    assert len(server.seen) == 1
    lines = logged(caplog)
    assert f"HTTP {status} {code}" in lines and "WARNING" in lines


async def test_a_server_that_never_answers_times_out_each_attempt(silent_server):
    url, accepted = silent_server
    started = time.monotonic()
    result = await Invalidator(url, TOKEN, timeout=0.3, attempts=3, backoff=0.01).invalidate(
        CustomerId("c_ada"))
    elapsed = time.monotonic() - started
    assert result == Unreachable(3, "timeout")
    assert 0.9 <= elapsed < 5, elapsed
    wait_until(lambda: len(accepted) == 3, "three connections", timeout=5)


async def test_a_closed_port_is_unreachable():
    result = await Invalidator(f"http://127.0.0.1:{free_port()}", TOKEN, backoff=0.01).invalidate(
        CustomerId("c_ada"), [])
    assert isinstance(result, Unreachable) and result.attempts == 3, result
    assert "refused" in result.cause.lower(), result


async def test_the_token_is_never_logged_or_shown(recorder, silent_server, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    ok = recorder((200, ANSWER))
    refusing = recorder((401, {"error": {"code": "invalid_admin_token"}}))
    invalidators = [Invalidator(ok.url, TOKEN), Invalidator(refusing.url, TOKEN),
                    Invalidator(silent_server[0], TOKEN, timeout=0.2, attempts=1),
                    Invalidator(f"http://127.0.0.1:{free_port()}", TOKEN, attempts=1)]
    results = [await invalidator.invalidate(ExternalId("ada@example.com"), ["plan"])
               for invalidator in invalidators]
    assert [type(result) for result in results] == [Invalidated, Refused, Unreachable, Unreachable]
    captured = capsys.readouterr()
    everything = "\n".join([logged(caplog), captured.out, captured.err, *map(repr, invalidators),
                            *map(str, results)])
    assert len([record for record in caplog.records if record.name == "cardmesh_kit"]) == 4
    assert TOKEN not in everything
    assert "ada@example.com" not in logged(caplog)
    assert "[redacted]" in repr(invalidators[0])


def test_from_env_needs_both_variables(caplog):
    caplog.set_level(logging.INFO, "cardmesh_kit")
    assert Invalidator.from_env({GATEWAY_ADMIN_URL_ENV: "http://gateway:9090"}) is None
    assert Invalidator.from_env({GATEWAY_ADMIN_URL_ENV: "http://gateway:9090",
                                 GATEWAY_ADMIN_TOKEN_ENV: "  "}) is None
    assert [record.levelname for record in caplog.records] == ["INFO", "INFO"]
    assert "changes are not reported to the gateway" in caplog.records[0].getMessage()
    invalidator = Invalidator.from_env({GATEWAY_ADMIN_URL_ENV: " https://gateway:9090/ ",
                                        GATEWAY_ADMIN_TOKEN_ENV: f" {TOKEN} "})
    assert invalidator is not None
    assert (invalidator.url, invalidator.timeout, invalidator.attempts, invalidator.backoff) == (
        "https://gateway:9090/admin/invalidate", 15.0, 3, 0.2)
    assert len(caplog.records) == 2


def test_at_least_one_attempt():
    assert Invalidator("https://gateway:9090", TOKEN, attempts=0).attempts == 1


def test_the_token_goes_to_https_or_loopback_only(caplog):
    for ok in ("https://gateway:9090", "http://127.0.0.1:9090", "http://[::1]:9090/", "http://localhost:9090"):
        Invalidator(ok, TOKEN)
    with pytest.raises(ValueError, match=r"clear text.*CARDMESH_SERVICE_GATEWAY_ALLOW_HTTP=true"):
        Invalidator("http://gateway:9090", TOKEN)
    with pytest.raises(ValueError, match=re.escape("https://HOST:PORT")):
        Invalidator("ftp://gateway/", TOKEN)
    assert Invalidator("http://gateway:9090", TOKEN, allow_http=True).url == "http://gateway:9090/admin/invalidate"

    caplog.set_level(logging.INFO, "cardmesh_kit")
    remote = {GATEWAY_ADMIN_URL_ENV: "http://gateway:9090", GATEWAY_ADMIN_TOKEN_ENV: TOKEN}
    assert Invalidator.from_env(remote) is None
    [record] = caplog.records
    assert record.levelname == "ERROR"
    assert "clear text" in record.error
    assert TOKEN not in logged(caplog)
    allowed = Invalidator.from_env({**remote, GATEWAY_ALLOW_HTTP_ENV: "true"})
    assert allowed is not None and allowed.url == "http://gateway:9090/admin/invalidate"


async def test_a_redirect_is_not_followed_and_its_target_never_sees_a_request(recorder):
    target = recorder((200, ANSWER))
    redirect = Redirect(f"{target.url}/admin/invalidate")
    result = await Invalidator(redirect.url, TOKEN, backoff=0.01).invalidate(CustomerId("c_ada"))
    assert isinstance(result, Unusable), result
    assert result.status == 302
    assert f"a redirect to {target.url}/admin/invalidate, not followed" in result.reason
    assert redirect.hits == 1, "a redirect is not retried"
    assert target.seen == [], "the redirect was followed"


async def test_an_answer_over_the_cap_is_not_read(recorder):
    big = recorder((200, "x" * MAX_ANSWER_BYTES))
    result = await Invalidator(big.url, TOKEN, backoff=0.01).invalidate(CustomerId("c_ada"))
    assert result == Unusable(200, f"the answer is larger than {MAX_ANSWER_BYTES} bytes")
    assert len(big.seen) == 1


class Redirect:
    """An HTTP server on a free port answering every request ``302`` to ``location``."""

    def __init__(self, location: str):
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                outer.hits += 1
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"


async def test_a_misused_argument_raises_before_any_request(recorder):
    server = recorder((200, ANSWER))
    invalidator = Invalidator(server.url, TOKEN)
    with pytest.raises(TypeError, match="CustomerId or ExternalId"):
        await invalidator.invalidate("c_ada")
    with pytest.raises(TypeError, match="not one string"):
        await invalidator.invalidate(CustomerId("c_ada"), "plan")
    assert server.seen == []


# --- against the real gateway, with Redis ---------------------------------------------------

ADA = {"id": "c_ada", "email": "ada@example.com", "externalId": "cus_1"}


class Versioned(CardProvider):
    """A card whose content is the service's current data version."""

    name = "versioned"

    def __init__(self):
        self.version = 1

    def cards(self):
        return [CardSpec("plan", "Plan", ttl=timedelta(minutes=10))]

    async def card(self, key, ctx):
        return Card([text(f"version {self.version}")])


def redis_command(port, command):
    """The first line of Redis's answer to an inline ``command``, or ``None`` when Redis does
    not answer."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(command.encode() + b"\r\n")
            return connection.makefile("rb").readline().decode().strip()
    except OSError:
        return None


@dataclass
class Redis:
    url: str
    port: int

    def keys(self):
        """How many keys Redis holds."""
        answer = redis_command(self.port, "DBSIZE") or ":0"
        return int(answer.removeprefix(":"))


@pytest.fixture
def redis():
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    server = Process([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                      "--appendonly", "no"], {}, "redis")
    try:
        wait_until(lambda: server.child.poll() is None and redis_command(port, "PING") == "+PONG",
                   "redis-server to answer PING")
        yield Redis(f"redis://127.0.0.1:{port}/0", port)
    finally:
        server.close()


@pytest.fixture
async def cached_gateway(redis):
    provider = Versioned()
    service = await start(provider)
    admin_port = free_port()
    gateway = Gateway([f"http://127.0.0.1:{service.port}"], {
        "CARDMESH_REDIS_URL": redis.url, "CARDMESH_SERVICE_TOKEN": TOKEN,
        "CARDMESH_ADMIN_LISTEN": f"127.0.0.1:{admin_port}"})
    try:
        await asyncio.to_thread(gateway.wait_ready)
        yield provider, gateway, f"http://127.0.0.1:{admin_port}", redis
    finally:
        gateway.close()
        await service.stop(0)


async def shown(gateway):
    status, body = await asyncio.to_thread(gateway.cards, ["plan"], ADA)
    assert status == 200, body
    return body["cards"][0]["components"][0]["componentText"]["text"]


async def test_the_gateway_drops_the_cached_card_and_it_is_drawn_afresh(cached_gateway):
    provider, gateway, admin_url, redis = cached_gateway
    assert await shown(gateway) == "version 1"
    # The gateway writes to Redis in the background: its fresh and stale copies.
    await asyncio.to_thread(wait_until, lambda: redis.keys() >= 2, "the card's copies in Redis")
    provider.version = 2
    assert await shown(gateway) == "version 1", "the card is served from the cache"

    result = await Invalidator(admin_url, TOKEN).invalidate(CustomerId("c_ada"), ["plan"])
    assert result == Invalidated({"invalidated": {"customerId": "c_ada", "cardKeys": ["plan"],
                                                  "workspaces": ["w_test"]},
                                  "reloads": []})
    assert await shown(gateway) == "version 2"

    provider.version = 3
    result = await Invalidator(admin_url, TOKEN).invalidate(CustomerId("c_ada"))
    assert result == Invalidated({"invalidated": {"customerId": "c_ada", "cardKeys": "all",
                                                  "workspaces": ["w_test"]},
                                  "reloads": []})
    assert await shown(gateway) == "version 3"
    assert "cache invalidated" in gateway.output()


async def test_the_gateway_refuses_a_wrong_token_and_an_external_id_without_plain(cached_gateway):
    _, gateway, admin_url, _ = cached_gateway
    result = await Invalidator(admin_url, "not-the-token").invalidate(CustomerId("c_ada"), ["plan"])
    assert result == Refused(401, "invalid_admin_token")
    result = await Invalidator(admin_url, TOKEN).invalidate(ExternalId("cus_1"), ["plan"])
    assert result == Refused(400, "external_id_needs_plain_api")
    assert TOKEN not in gateway.output()
