"""Reporting a change to the gateway: a card service whose data changed awaits
:meth:`Invalidator.invalidate`, and the gateway drops its cached copies of the customer's
cards and, with its Plain API key, makes Plain reload them.

The call goes to ``POST /admin/invalidate`` on the gateway's admin listener, with the
gateway's service token (``Authorization: Bearer <token>``). :meth:`Invalidator.from_env` reads:

- ``CARDMESH_SERVICE_GATEWAY_ADMIN_URL``: the admin listener, e.g. ``http://gateway:9090``;
- ``CARDMESH_SERVICE_GATEWAY_ADMIN_TOKEN``: the gateway's service token
  (``CARDMESH_SERVICE_TOKEN``), which opens ``POST /admin/invalidate`` and nothing else.

Each attempt has a timeout (default 15 s: the gateway answers once Plain has answered its
reloads, each bounded by ``plain_api.timeout``); network errors, timeouts, ``429`` and ``5xx``
are retried (default 3 attempts in all, 0.2 s then 0.4 s apart). Other refusals (``401``,
``400``, ``404``, ...) are not. A failure is logged and returned as :class:`Refused` or
:class:`Unreachable`, never raised: a gateway that is down does not break the service.

The HTTP client is the standard library's ``urllib.request``, run in a worker thread
(``asyncio.to_thread``), so the kit needs no other dependency. Proxies come from the usual
``HTTP_PROXY``/``NO_PROXY`` variables; redirects are not followed (the token is never sent
elsewhere).

The gateway's refusals, by status and ``error.code``: ``401 invalid_admin_token``,
``400 invalid_body``, ``400 invalid_field`` (over 25 keys, an id over 256 characters),
``404 not_found`` (the gateway has no service token configured), ``421 misdirected_request``
(the URL's host is not a name the admin listener answers to),
``409 cache_disabled``, ``503 cache_unavailable`` (retried); and for an :class:`ExternalId`,
``400 external_id_needs_plain_api``, ``404 unknown_customer``, ``502 plain_unavailable``
(retried).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .scrub import service_text

log = logging.getLogger("cardmesh_kit")

#: Environment variable with the gateway's admin listener URL.
GATEWAY_ADMIN_URL_ENV = "CARDMESH_SERVICE_GATEWAY_ADMIN_URL"
#: Environment variable with the gateway's service token (``CARDMESH_SERVICE_TOKEN``).
GATEWAY_ADMIN_TOKEN_ENV = "CARDMESH_SERVICE_GATEWAY_ADMIN_TOKEN"
#: Default timeout of one attempt, in seconds.
DEFAULT_TIMEOUT = 15.0
#: Default number of attempts in all.
DEFAULT_ATTEMPTS = 3
#: Default pause before the second attempt, in seconds (doubled after each attempt).
DEFAULT_BACKOFF = 0.2


@dataclass(frozen=True)
class CustomerId:
    """Plain's customer id (``c_...``), as in :attr:`cardmesh_kit.Customer.id`."""

    id: str


@dataclass(frozen=True)
class ExternalId:
    """The external id Plain stores for the customer (the service's own id); the gateway looks
    the Plain customer up (it needs its Plain API key for that)."""

    id: str


#: The customer whose data changed, as the service knows them.
CustomerRef = CustomerId | ExternalId


@dataclass(frozen=True)
class Invalidated:
    """The gateway dropped the cards. ``answer`` is its JSON answer,
    ``{"invalidated": {"customerId": ..., "cardKeys": [...] | "all"}, "reloads": [...]}``
    (``reloads`` is ``[]`` while the gateway has no Plain API key)."""

    answer: Any


@dataclass(frozen=True)
class Refused:
    """The gateway refused the invalidation with an answer that is not retried: its HTTP
    ``status`` and the ``error.code`` of its answer (``"unknown"`` when it has none)."""

    status: int
    code: str

    def __str__(self) -> str:
        return f"the gateway refused the invalidation: HTTP {self.status} {self.code}"


@dataclass(frozen=True)
class Unreachable:
    """Every one of the ``attempts`` failed with a network error, a timeout, ``429`` or a
    ``5xx``; ``cause`` describes the last one (``"timeout"``, ``"HTTP 503 cache_unavailable"``,
    the connection error)."""

    attempts: int
    cause: str

    def __str__(self) -> str:
        return f"the gateway could not be reached after {self.attempts} attempts: {self.cause}"


#: What :meth:`Invalidator.invalidate` returns.
InvalidateResult = Invalidated | Refused | Unreachable


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Leaves a redirect as the answer, so the token is never sent to another address."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> None:
        return None


class Invalidator:
    """Sends invalidations to one gateway's admin listener at ``admin_url`` (e.g.
    ``http://gateway:9090``), authenticated with ``token``.

    ``timeout`` bounds each attempt (default 15 s); ``attempts`` is the number of attempts in
    all (default 3, at least 1); ``backoff`` is the pause before the second attempt (default
    0.2 s), doubled after each attempt. ``repr()`` never shows the token.
    """

    def __init__(self, admin_url: str, token: str, *, timeout: float = DEFAULT_TIMEOUT,
                 attempts: int = DEFAULT_ATTEMPTS, backoff: float = DEFAULT_BACKOFF) -> None:
        self.url = f"{admin_url.rstrip('/')}/admin/invalidate"
        self._token = token
        self.timeout = timeout
        self.attempts = max(attempts, 1)
        self.backoff = backoff
        self._opener = urllib.request.build_opener(_NoRedirect)

    def __repr__(self) -> str:
        return f"Invalidator(url={self.url!r}, token='[redacted]')"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Invalidator | None:
        """An invalidator from :data:`GATEWAY_ADMIN_URL_ENV` and :data:`GATEWAY_ADMIN_TOKEN_ENV`
        (of ``environ``, default ``os.environ``), with the default timeout and retries; or
        ``None`` when either is unset or blank, logged at info: the service then reports
        nothing."""
        env = os.environ if environ is None else environ
        url = env.get(GATEWAY_ADMIN_URL_ENV, "").strip()
        token = env.get(GATEWAY_ADMIN_TOKEN_ENV, "").strip()
        if url and token:
            return cls(url, token)
        log.info(f"{GATEWAY_ADMIN_URL_ENV} or {GATEWAY_ADMIN_TOKEN_ENV} is unset: "
                 "changes are not reported to the gateway")
        return None

    async def invalidate(self, customer: CustomerRef,
                         card_keys: Sequence[str] | None = None) -> InvalidateResult:
        """Tells the gateway that ``customer``'s ``card_keys`` changed (all of the customer's
        cards when ``None``). Returns :class:`Invalidated` with the gateway's answer, or, after
        the retries, :class:`Refused` or :class:`Unreachable`; a failure is logged at warning
        and returned, never raised. Only a programming error raises ``TypeError``: a
        ``customer`` that is neither :class:`CustomerId` nor :class:`ExternalId`, or a single
        string as ``card_keys``."""
        if not isinstance(customer, CustomerId | ExternalId):
            raise TypeError(f"customer must be CustomerId or ExternalId, not {type(customer).__name__}")
        if isinstance(card_keys, str):
            raise TypeError("card_keys must be a sequence of card keys, not one string")
        body: dict[str, Any] = (
            {"customerId": customer.id} if isinstance(customer, CustomerId) else {"externalId": customer.id})
        if card_keys is not None:
            body["cardKeys"] = list(card_keys)
        result = await self._send(json.dumps(body).encode())
        fields: dict[str, object] = {
            "customer_id" if isinstance(customer, CustomerId) else "external_id": customer.id,
            "card_keys": body.get("cardKeys", "all")}
        if isinstance(result, Invalidated):
            log.info("change reported to the gateway", extra=fields)
        else:
            # The gateway's code and a network error's text come from elsewhere: logged scrubbed.
            log.warning("cannot report a change to the gateway",
                        extra={**fields, "error": service_text(str(result))})
        return result

    async def _send(self, body: bytes) -> InvalidateResult:
        pause = self.backoff
        cause = ""
        for attempt in range(1, self.attempts + 1):
            if attempt > 1:
                await asyncio.sleep(pause)
                pause *= 2
            try:
                status, raw = await asyncio.wait_for(asyncio.to_thread(self._post, body), self.timeout)
            except TimeoutError:
                cause = "timeout"
                continue
            except urllib.error.URLError as error:
                reason = error.reason
                cause = "timeout" if isinstance(reason, TimeoutError) else _describe(reason)
                continue
            except (OSError, http.client.HTTPException, ValueError) as error:
                cause = _describe(error)
                continue
            try:
                answer = json.loads(raw)
            except ValueError:
                answer = None
            if 200 <= status < 300:
                return Invalidated(answer)
            error_field = answer.get("error") if isinstance(answer, dict) else None
            code = error_field.get("code") if isinstance(error_field, dict) else None
            code = code if isinstance(code, str) else "unknown"
            if status >= 500 or status == 429:
                cause = f"HTTP {status} {code}"
                continue
            return Refused(status, code)
        return Unreachable(self.attempts, cause)

    def _post(self, body: bytes) -> tuple[int, bytes]:
        """One attempt, in a worker thread: the status and the body (empty when it cannot be
        read). Raises on a network error or timeout."""
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Authorization": f"Bearer {self._token}", "Content-Type": "application/json",
            "Accept": "application/json"})
        try:
            response = self._opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as refusal:
            with refusal:
                return refusal.code, _read(refusal)
        with response:
            return response.status, _read(response)


def _read(response: Any) -> bytes:
    try:
        return bytes(response.read())
    except (OSError, http.client.HTTPException):
        return b""


def _describe(error: object) -> str:
    """An error as ``Type: message``, for :attr:`Unreachable.cause`."""
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
