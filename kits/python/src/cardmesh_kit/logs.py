"""Structured log lines without emails.

:func:`setup_logging` (called by :func:`cardmesh_kit.serve`) logs one line per event to
standard output, as the Rust kit does: ``key=value`` text by default, JSON with
``CARDMESH_LOG_FORMAT=json``. The level comes
from ``CARDMESH_LOG_LEVEL`` (default ``INFO``). Every line of a ``GetCards`` call carries the
caller's ``trace_id``. The kit never passes a customer's email to a log call, and as a second
guard every line is scrubbed of anything shaped like an email address (it becomes ``[email]``,
:func:`cardmesh_kit.scrub.scrub_emails`). Text from elsewhere in a field (a card error's
reason, the gateway's answer) goes through :func:`cardmesh_kit.scrub.service_text` first.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

from opentelemetry import trace

from .scrub import scrub_emails

LOG_FORMAT_ENV = "CARDMESH_LOG_FORMAT"
LOG_LEVEL_ENV = "CARDMESH_LOG_LEVEL"

#: Attributes every ``LogRecord`` has; anything else was passed in ``extra=``.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def _fields(record: logging.LogRecord) -> dict[str, object]:
    fields: dict[str, object] = {
        "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname,
        "target": record.name,
        "message": record.getMessage(),
    }
    for name, value in record.__dict__.items():
        if name not in _STANDARD and not name.startswith("_"):
            fields[name] = value
    span = trace.get_current_span().get_span_context()
    if span.is_valid and "trace_id" not in fields:
        fields["trace_id"] = format(span.trace_id, "032x")
    if record.exc_info and record.exc_info[0] is not None:
        fields["error"] = record.exc_info[0].__name__
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, target, message, the ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub_emails(json.dumps(_fields(record), default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    """``timestamp LEVEL target: message key=value ...``."""

    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record)
        head = f"{fields.pop('timestamp')} {fields.pop('level'):>5} {fields.pop('target')}: "
        head += str(fields.pop("message"))
        rest = " ".join(f"{name}={json.dumps(value, default=str)}" for name, value in fields.items())
        return scrub_emails(f"{head} {rest}".rstrip())


def setup_logging() -> None:
    """Installs the kit's handler on the root logger, once (a second call changes nothing)."""
    root = logging.getLogger()
    if any(getattr(handler, "_cardmesh", False) for handler in root.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler._cardmesh = True  # type: ignore[attr-defined]
    json_lines = os.environ.get(LOG_FORMAT_ENV, "").strip().lower() == "json"
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    root.addHandler(handler)
    root.setLevel(os.environ.get(LOG_LEVEL_ENV, "").strip().upper() or "INFO")
