"""Reporting a change to the gateway: a card service whose data changed awaits
:meth:`Invalidator.invalidate`, and the gateway drops its cached copies of the customer's
cards and, with its Plain API key, makes Plain reload them.

The call goes to ``POST /admin/invalidate`` on the gateway's admin listener, with the
gateway's service token (``Authorization: Bearer <token>``). :meth:`Invalidator.from_env` reads:

- ``CARDMESH_SERVICE_GATEWAY_ADMIN_URL``: the admin listener, e.g. ``http://gateway:9090``;
- ``CARDMESH_SERVICE_GATEWAY_ADMIN_TOKEN``: the gateway's service token
  (``CARDMESH_SERVICE_TOKEN``), which opens ``POST /admin/invalidate`` and nothing else;
- ``CARDMESH_SERVICE_GATEWAY_ALLOW_HTTP``: ``true`` to accept a plain ``http://`` URL on another
  host, for a private network only (Docker Compose's ``internal`` network).

The token is sent to that URL only: it must be ``https://`` (plain ``http://`` is accepted on
loopback, or with the variable above), redirects are not followed, and the gateway's answer is
read up to :data:`MAX_ANSWER_BYTES`.

Each attempt has a timeout (default 15 s: the gateway answers once Plain has answered its
reloads, each bounded by ``plain_api.timeout``); network errors, timeouts, ``429`` and ``5xx``
are retried (default 3 attempts in all, 0.2 s then 0.4 s apart). Other refusals (``401``,
``400``, ``404``, ...) are not. A failure is logged and returned as :class:`Refused` or
:class:`Unreachable`, never raised: a gateway that is down does not break the service.

The HTTP client is the standard library's ``urllib.request``, run in a worker thread
(``asyncio.to_thread``), so the kit needs no other dependency. Proxies come from the usual
``HTTP_PROXY``/``NO_PROXY`` variables; a redirect is answered as :class:`Unusable`, never
followed (the token is never sent elsewhere).

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
import ipaddress
import json
import logging
import os
import urllib.error
import urllib.parse
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
#: Environment variable that accepts a plain ``http://`` admin URL on another host (``true``).
GATEWAY_ALLOW_HTTP_ENV = "CARDMESH_SERVICE_GATEWAY_ALLOW_HTTP"
#: The largest answer of the gateway read, in bytes (256 KiB): an invalidation's answer lists
#: one reload per card.
MAX_ANSWER_BYTES = 256 * 1024
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
    ``{"invalidated": {"customerId": ..., "cardKeys": [...] | "all", "workspaces": [...]}, "reloads": [...]}``
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


@dataclass(frozen=True)
class Unusable:
    """The URL answered something that is not the gateway's answer: a redirect (not followed,
    so the token goes nowhere else; ``reason`` names where to) or an answer over
    :data:`MAX_ANSWER_BYTES`. Not retried."""

    status: int
    reason: str

    def __str__(self) -> str:
        return f"the gateway's answer cannot be used: HTTP {self.status}, {self.reason}"


#: What :meth:`Invalidator.invalidate` returns.
InvalidateResult = Invalidated | Refused | Unreachable | Unusable


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Leaves a redirect as the answer, so the token is never sent to another address."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> None:
        return None


class _TooLargeError(Exception):
    """An answer over :data:`MAX_ANSWER_BYTES`."""


def admin_url_refusal(admin_url: str, allow_http: bool = False) -> str | None:
    """Why the token must not be sent to ``admin_url``, or ``None`` when it may: ``https://``,
    or ``http://`` on loopback (``127.0.0.1``, ``[::1]``, ``localhost``), or ``http://`` anywhere
    with ``allow_http``."""
    url = urllib.parse.urlsplit(admin_url.strip())
    prefix = f"{admin_url!r} cannot be the gateway's admin URL ({GATEWAY_ADMIN_URL_ENV})"
    if url.scheme == "https":
        return None
    if url.scheme != "http" or not url.hostname:
        return f"{prefix}: write it as https://HOST:PORT (http:// on loopback)"
    if allow_http or _is_loopback(url.hostname):
        return None
    return (f"{prefix}: plain http:// to another host would send the admin token in clear text; "
            f"use https://, or set {GATEWAY_ALLOW_HTTP_ENV}=true on a private network")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Invalidator:
    """Sends invalidations to one gateway's admin listener at ``admin_url`` (e.g.
    ``https://gateway:9090``, or ``http://127.0.0.1:9090``), authenticated with ``token``.

    ``timeout`` bounds each attempt (default 15 s); ``attempts`` is the number of attempts in
    all (default 3, at least 1); ``backoff`` is the pause before the second attempt (default
    0.2 s), doubled after each attempt; ``allow_http`` accepts a plain ``http://`` URL on
    another host, for a private network only. Raises ``ValueError`` for a URL the token must
    not go to (:func:`admin_url_refusal`). ``repr()`` never shows the token.
    """

    def __init__(self, admin_url: str, token: str, *, timeout: float = DEFAULT_TIMEOUT,
                 attempts: int = DEFAULT_ATTEMPTS, backoff: float = DEFAULT_BACKOFF,
                 allow_http: bool = False) -> None:
        refusal = admin_url_refusal(admin_url, allow_http)
        if refusal is not None:
            raise ValueError(refusal)
        self.url = f"{admin_url.strip().rstrip('/')}/admin/invalidate"
        self._token = token
        self.timeout = timeout
        self.attempts = max(attempts, 1)
        self.backoff = backoff
        self._opener = urllib.request.build_opener(_NoRedirect)

    def __repr__(self) -> str:
        return f"Invalidator(url={self.url!r}, token='[redacted]')"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Invalidator | None:
        """An invalidator from :data:`GATEWAY_ADMIN_URL_ENV`, :data:`GATEWAY_ADMIN_TOKEN_ENV`
        and :data:`GATEWAY_ALLOW_HTTP_ENV` (of ``environ``, default ``os.environ``), with the
        default timeout and retries; or ``None`` when either of the first two is unset or blank
        (logged at info) or the URL is refused (logged at error, with the reason): the service
        then reports nothing."""
        env = os.environ if environ is None else environ
        url = env.get(GATEWAY_ADMIN_URL_ENV, "").strip()
        token = env.get(GATEWAY_ADMIN_TOKEN_ENV, "").strip()
        allow_http = env.get(GATEWAY_ALLOW_HTTP_ENV, "").strip().lower() in ("true", "1", "yes", "on")
        if not (url and token):
            log.info(f"{GATEWAY_ADMIN_URL_ENV} or {GATEWAY_ADMIN_TOKEN_ENV} is unset: "
                     "changes are not reported to the gateway")
            return None
        refusal = admin_url_refusal(url, allow_http)
        if refusal is not None:
            log.error("changes are not reported to the gateway", extra={"error": refusal})
            return None
        return cls(url, token, allow_http=allow_http)

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
                status, raw, location = await asyncio.wait_for(asyncio.to_thread(self._post, body),
                                                               self.timeout)
            except _TooLargeError as too_large:
                return Unusable(int(str(too_large)), f"the answer is larger than {MAX_ANSWER_BYTES} bytes")
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
            if 300 <= status < 400:
                return Unusable(status, f"a redirect to {location or 'nowhere (no Location)'}, not "
                                        f"followed: point {GATEWAY_ADMIN_URL_ENV} at the admin "
                                        "listener itself")
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

    def _post(self, body: bytes) -> tuple[int, bytes, str | None]:
        """One attempt, in a worker thread: the status, the body (empty when it cannot be
        read) and the ``Location`` header. Raises on a network error or timeout, and
        :class:`_TooLargeError` (with the status) for an answer over :data:`MAX_ANSWER_BYTES`."""
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Authorization": f"Bearer {self._token}", "Content-Type": "application/json",
            "Accept": "application/json"})
        try:
            response = self._opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as refusal:
            with refusal:
                return refusal.code, _read(refusal, refusal.code), refusal.headers.get("Location")
        with response:
            return response.status, _read(response, response.status), response.headers.get("Location")


def _read(response: Any, status: int) -> bytes:
    """At most :data:`MAX_ANSWER_BYTES` of ``response``; raises :class:`_TooLargeError` beyond."""
    try:
        data = bytes(response.read(MAX_ANSWER_BYTES + 1))
    except (OSError, http.client.HTTPException):
        return b""
    if len(data) > MAX_ANSWER_BYTES:
        raise _TooLargeError(status)
    return data


def _describe(error: object) -> str:
    """An error as ``Type: message``, for :attr:`Unreachable.cause`."""
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
