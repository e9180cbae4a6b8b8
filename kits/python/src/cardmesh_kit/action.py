"""Card actions: what a provider declares (:class:`ActionSpec`), what an action runs with
(:class:`ActionContext`) and what it answers (:class:`ActionOutcome`).

An action is what a ``componentWorkflowButton`` on a card runs: Plain runs a workflow whose
"Send HTTP request" step POSTs to the gateway's ``/actions/{name}``, and the gateway calls
``RunAction`` on the service that declared the name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from cardmesh.v1 import card_service_pb2 as pb

from .card import _is_card_key
from .context import Customer, Thread, _customer, _thread
from .scrub import service_text

#: The pattern of an action name (the ``{name}`` of the gateway's ``/actions/{name}``).
ACTION_NAME_PATTERN = "[a-z0-9][a-z0-9-]*"
#: The longest action name, in bytes.
MAX_ACTION_NAME_BYTES = 64

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class ActionSpec:
    """One action a provider runs, as ``Describe`` announces it.

    ``name`` is the ``{name}`` of the gateway's ``/actions/{name}``
    (:data:`ACTION_NAME_PATTERN`, at most 64 bytes, unique across the gateway's services);
    ``description`` is one line for the preview page and logs; ``changes_cards`` are the card
    keys whose data the action changes (default none): after it succeeds the gateway drops
    their cached copies for the customer and asks Plain to reload them.
    """

    name: str
    description: str
    changes_cards: tuple[str, ...] = ()

    def __init__(self, name: str, description: str, changes_cards: Iterable[str] = ()) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "changes_cards", tuple(changes_cards))

    def to_proto(self) -> pb.ActionDefinition:
        return pb.ActionDefinition(name=self.name, description=self.description,
                                   changes_cards=list(self.changes_cards))


def is_valid_action_name(name: str) -> bool:
    """Whether ``name`` matches :data:`ACTION_NAME_PATTERN` and has at most 64 bytes."""
    return bool(_NAME.match(name)) and len(name.encode()) <= MAX_ACTION_NAME_BYTES


def check_actions(actions: Sequence[ActionSpec], own_cards: Iterable[str]) -> list[str]:
    """Raises ``ValueError`` for a name outside :data:`ACTION_NAME_PATTERN` or longer than 64
    bytes, a name declared twice, or a changed card that is not a card key. Returns warnings to
    log: a changed card this service does not draw (allowed, another service of the gateway may
    own it)."""
    own = set(own_cards)
    seen: set[str] = set()
    warnings: list[str] = []
    for action in actions:
        if not is_valid_action_name(action.name):
            raise ValueError(f"action name {action.name!r} does not match {ACTION_NAME_PATTERN} "
                             f"(lowercase letters, digits and dashes, at most {MAX_ACTION_NAME_BYTES} "
                             "bytes), e.g. 'extend-trial'")
        if action.name in seen:
            raise ValueError(f"action {action.name!r} is declared twice")
        seen.add(action.name)
        for key in action.changes_cards:
            if not _is_card_key(key):
                raise ValueError(f"action {action.name!r} changes card {key!r}, which does not match "
                                 "[a-zA-Z0-9_-]+")
            if key not in own:
                warnings.append(f"action {action.name!r} changes card {key!r}, which this service does "
                                "not draw: the gateway reloads it only if another service declares it")
    return warnings


@dataclass(frozen=True)
class ActionOutcome:
    """What an action answers; make one with :meth:`succeeded`, :meth:`refused` or
    :meth:`failed`. Every text goes out scrubbed (emails become ``[email]``, control characters
    are escaped, at most 200 characters).

    - ``succeeded``: done; ``text`` is a short message for the agent. The gateway answers Plain
      200 and reloads the cards the action changes.
    - ``refused``: will not run for this input, a retry would not help; ``text`` is a reason
      safe to show an agent. The gateway answers 422, which Plain does not retry.
    - ``failed``: could not run now, a retry may help. The gateway answers 503 (Plain retries).
    """

    kind: Literal["succeeded", "refused", "failed"]
    text: str

    @classmethod
    def succeeded(cls, message: str) -> ActionOutcome:
        return cls("succeeded", message)

    @classmethod
    def refused(cls, reason: str) -> ActionOutcome:
        return cls("refused", reason)

    @classmethod
    def failed(cls, reason: str) -> ActionOutcome:
        return cls("failed", reason)

    def to_proto(self) -> pb.RunActionResponse:
        """The ``RunActionResponse`` of this outcome, its text scrubbed."""
        text = service_text(self.text)
        if self.kind == "succeeded":
            return pb.RunActionResponse(succeeded=pb.ActionSucceeded(message=text))
        if self.kind == "refused":
            return pb.RunActionResponse(refused=pb.ActionRefused(reason=text))
        return pb.RunActionResponse(failed=pb.ActionFailed(reason=text))

    @classmethod
    def from_proto(cls, response: pb.RunActionResponse) -> ActionOutcome | None:
        """The outcome a ``RunActionResponse`` carries, or ``None`` when it carries none."""
        which = response.WhichOneof("outcome")
        if which == "succeeded":
            return cls.succeeded(response.succeeded.message)
        if which == "refused":
            return cls.refused(response.refused.reason)
        if which == "failed":
            return cls.failed(response.failed.reason)
        return None


@dataclass(frozen=True)
class ActionContext:
    """Everything an action may use.

    - ``action``: the action's name, as declared;
    - ``customer``: the customer the action is for (the gateway found it from what the
      workflow sent); ``workspace_id``: Plain's workspace (empty when absent); ``thread``: the
      thread, when the workflow sent a thread id;
    - ``body``: the workflow's JSON body, parsed (``None`` when the gateway sent none), and
      ``body_json``, the same exactly as Plain sent it. Neither shows in ``repr()``;
    - ``idempotency_key``: the same for every delivery of one request. The gateway keeps each
      delivery's outcome (succeeded or refused) for its idempotency window, but an attempt
      whose outcome it did not keep (after a failure, a deadline or a broken call the service
      may have finished, a gateway restart, or after the window) reaches the service again:
      make the effect idempotent with it in your own system;
    - ``preview``: true when the action runs from the gateway's preview page against a test
      customer, not from Plain: change no real data;
    - ``trace_id``: the call's trace id (the gateway's, when it sent ``traceparent``).
    """

    action: str
    customer: Customer
    idempotency_key: str
    workspace_id: str = ""
    thread: Thread | None = None
    body: Any = field(default=None, repr=False)
    body_json: str = field(default="", repr=False)
    preview: bool = False
    trace_id: str = ""


class InvalidActionRequestError(ValueError):
    """A ``RunActionRequest`` the kit cannot run (answered with ``INVALID_ARGUMENT``)."""


def action_context_from_request(request: pb.RunActionRequest, trace_id: str) -> ActionContext:
    """The context of ``request``. Raises :class:`InvalidActionRequestError` when it names no
    action, customer or idempotency key, or its body is not JSON (an empty body reads as
    ``None``)."""
    if not request.action:
        raise InvalidActionRequestError("RunActionRequest.action is required")
    if not request.HasField("customer"):
        raise InvalidActionRequestError("RunActionRequest.customer is required")
    if not request.idempotency_key:
        raise InvalidActionRequestError("RunActionRequest.idempotency_key is required")
    body: Any = None
    if request.body_json.strip():
        try:
            body = json.loads(request.body_json)
        except json.JSONDecodeError as error:
            # The error's message quotes nothing of the body; its position is enough.
            raise InvalidActionRequestError(
                f"RunActionRequest.body_json is not JSON: {error.msg} at line {error.lineno} "
                f"column {error.colno}") from None
    return ActionContext(
        action=request.action,
        workspace_id=request.workspace_id,
        customer=_customer(request.customer),
        thread=_thread(request),
        body=body,
        body_json=request.body_json,
        idempotency_key=request.idempotency_key,
        preview=request.preview,
        trace_id=trace_id,
    )
