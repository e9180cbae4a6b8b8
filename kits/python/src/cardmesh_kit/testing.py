"""Test helpers for card services: the real gateway binary as a child process, a service in
a process of its own, signed Plain requests, running an action over gRPC as the gateway does
(:func:`run_action`), and waiting on a condition with a deadline.

The gateway binary is ``CARDMESH_GATEWAY_BIN``, else ``target/debug/cardmesh-gateway`` of the
first folder, from the current directory upwards, that has one (build it with
``cargo build -p cardmesh-gateway``).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from .action import ActionOutcome

GATEWAY_BIN_ENV = "CARDMESH_GATEWAY_BIN"
#: The signing secret :class:`Gateway` is started with.
TEST_SECRET = "kit-test-secret"

T = TypeVar("T")


def wait_until(condition: Callable[[], T | None], what: str, timeout: float = 20.0,
               interval: float = 0.02) -> T:
    """Polls ``condition`` until it returns a truthy value (returned), or raises
    ``TimeoutError`` naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


_deliveries = itertools.count(1)


async def run_action(port: int, action: str, customer: Mapping[str, str], body: Any = None, *,
                     thread: Mapping[str, str] | None = None, preview: bool = False,
                     idempotency_key: str | None = None, workspace: str = "w_test",
                     metadata: Sequence[tuple[str, str]] = ()) -> ActionOutcome:
    """One ``RunAction`` call to the service on ``127.0.0.1:port`` (a :func:`cardmesh_kit.start`
    or a :class:`ServiceProcess`), as the gateway makes it: ``customer`` as Plain sends it
    (``id``, ``email``, ``externalId``), ``body`` (any JSON value, default ``{}``) as the
    workflow's body, a fresh idempotency key (``test-1``, ``test-2``, ...) unless given. Returns
    the outcome, its text scrubbed as it left the service; raises ``grpc.aio.AioRpcError`` with
    the status the gateway would get (``NOT_FOUND`` for an undeclared action,
    ``INVALID_ARGUMENT``)."""
    import grpc

    from cardmesh.v1 import card_service_pb2 as pb
    from cardmesh.v1 import card_service_pb2_grpc as pb_grpc

    request = pb.RunActionRequest(
        action=action, workspace_id=workspace,
        customer=pb.Customer(id=customer["id"], email=customer.get("email"),
                             external_id=customer.get("externalId")),
        body_json=json.dumps({} if body is None else body),
        idempotency_key=idempotency_key or f"test-{next(_deliveries)}", preview=preview)
    if thread is not None:
        request.thread.CopyFrom(pb.Thread(id=thread["id"], external_id=thread.get("externalId")))
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        response = await pb_grpc.CardServiceStub(channel).RunAction(request, metadata=tuple(metadata),
                                                                    timeout=10)
    outcome = ActionOutcome.from_proto(response)
    if outcome is None:
        raise AssertionError("the RunAction answer carries no outcome")
    return outcome


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gateway_binary() -> Path:
    """The gateway binary to test against (see the module's doc)."""
    named = os.environ.get(GATEWAY_BIN_ENV, "").strip()
    if named:
        return Path(named)
    for folder in [Path.cwd(), *Path.cwd().parents]:
        candidate = folder / "target" / "debug" / "cardmesh-gateway"
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"no target/debug/cardmesh-gateway above {Path.cwd()}: build it "
                            f"(cargo build -p cardmesh-gateway) or set {GATEWAY_BIN_ENV}")


def sign(body: bytes, secret: str = TEST_SECRET) -> str:
    """Plain's ``Plain-Request-Signature``: the lowercase hex HMAC-SHA256 of ``body``."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Process:
    """A child process whose output goes to a file; stopped (killed if need be) on
    :meth:`close`."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], name: str) -> None:
        self.log_path = Path(tempfile.mkdtemp(prefix=f"{name}-")) / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in close()
        self.child = subprocess.Popen(list(argv), env={**os.environ, **env}, stdin=subprocess.DEVNULL,
                                      stdout=self._log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        """Everything the process printed so far."""
        return self.log_path.read_text("utf-8", errors="replace")

    def wait_for_output(self, text: str, timeout: float = 20.0) -> None:
        """Waits until the output contains ``text``; fails early if the process exits."""
        def seen() -> bool:
            if text in self.output():
                return True
            if self.child.poll() is not None:
                raise RuntimeError(f"exited ({self.child.returncode}) before printing {text!r}:\n"
                                   f"{self.output()}")
            return False
        wait_until(seen, f"{text!r} in the output", timeout)

    def terminate(self, timeout: float = 20.0) -> int:
        """Sends SIGTERM and returns the exit status."""
        self.child.send_signal(signal.SIGTERM)
        return self.child.wait(timeout)

    def close(self) -> None:
        if self.child.poll() is None:
            self.child.kill()
            self.child.wait()
        self._log.close()


class ServiceProcess(Process):
    """A card service started with ``argv`` on a free ``CARDMESH_SERVICE_LISTEN``; waits
    until it accepts connections."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str] | None = None,
                 name: str = "service", port: int | None = None) -> None:
        self.port = port or free_port()
        super().__init__(argv, {"CARDMESH_SERVICE_LISTEN": f"127.0.0.1:{self.port}", **(env or {})}, name)
        wait_until(self._listening, f"{name} listening on 127.0.0.1:{self.port}", 30)

    def _listening(self) -> bool:
        if self.child.poll() is not None:
            raise RuntimeError(f"the service exited ({self.child.returncode}):\n{self.output()}")
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Gateway(Process):
    """The real ``cardmesh-gateway`` routing to ``services`` (gRPC endpoints), signing secret
    :data:`TEST_SECRET`, in-process cache; ``env`` adds or overrides variables.
    :meth:`wait_ready` waits until every service has described its cards."""

    def __init__(self, services: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        self.port = free_port()
        base = {
            "CARDMESH_LISTEN": f"127.0.0.1:{self.port}",
            "CARDMESH_ADMIN_LISTEN": f"127.0.0.1:{free_port()}",
            "CARDMESH_SIGNING_SECRETS": TEST_SECRET,
            "CARDMESH_SERVICES": ",".join(services),
        }
        super().__init__([str(gateway_binary()), "serve"], {**base, **(env or {})}, "gateway")

    def _status(self, path: str) -> int | None:
        if self.child.poll() is not None:
            raise RuntimeError(f"the gateway exited ({self.child.returncode}):\n{self.output()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=2) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return None

    def wait_ready(self, timeout: float = 30.0) -> Gateway:
        wait_until(lambda: self._status("/readyz") == 200, "the gateway's /readyz", timeout)
        return self

    def cards(self, keys: Sequence[str], customer: Mapping[str, Any], *,
              thread: Mapping[str, Any] | None = None, workspace: str = "w_test") -> tuple[int, Any]:
        """POSTs a signed Plain request for ``keys`` and ``customer``; (status, JSON body)."""
        body = json.dumps({"cardKeys": list(keys), "customer": dict(customer),
                           "thread": thread}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/", data=body, method="POST",
            headers={"Content-Type": "application/json", "Plain-Workspace-Id": workspace,
                     "Plain-Request-Signature": sign(body)})
        try:
            with urllib.request.urlopen(request, timeout=20) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")
