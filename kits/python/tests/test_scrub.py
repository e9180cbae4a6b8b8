"""The kit's rule for text from elsewhere (card error reasons, the gateway's answers) before it
is logged or sent to the gateway: emails replaced, control characters escaped, clipped. The
same cases as the Rust crates' and the TypeScript kit's."""

from __future__ import annotations

import logging

from cardmesh.v1 import card_service_pb2 as pb
from cardmesh_kit import Card
from cardmesh_kit.logs import JsonFormatter, TextFormatter
from cardmesh_kit.scrub import CLIPPED_MARK, EMAIL_PLACEHOLDER, MAX_SERVICE_TEXT_CHARS, service_text
from cardmesh_kit.server import card_to_result


def test_emails_become_the_placeholder() -> None:
    assert EMAIL_PLACEHOLDER == "[email]"
    assert service_text("no account for ada@example.com") == "no account for [email]"
    assert service_text("<Ada.Lovelace+cards@mail.example.co.uk>") == "<[email]>"
    assert service_text("two: a@b.io, ü@exämple.de") == "two: [email], [email]"
    assert service_text("a@b and @handle and user@localhost") == "a@b and @handle and user@localhost"


def test_control_characters_are_escaped_so_a_line_stays_one_line() -> None:
    assert service_text("line 1\nline 2\r\tend") == "line 1\\nline 2\\r\\tend"
    assert service_text("\x1b[31mred\x7f") == "\\u001b[31mred\\u007f"
    assert service_text("a\u2028b\u202ec") == "a\\u2028b\\u202ec"
    assert service_text("plain text, ünïcödé") == "plain text, ünïcödé"


def test_long_text_is_clipped_after_the_email_is_gone() -> None:
    out = service_text("x" * 195 + " ada@example.com")
    assert "ada@" not in out
    assert out == "x" * 195 + " [ema" + CLIPPED_MARK
    assert service_text("y" * MAX_SERVICE_TEXT_CHARS) == "y" * MAX_SERVICE_TEXT_CHARS
    assert service_text("\n" * 150) == "\\n" * 100 + CLIPPED_MARK
    assert len(service_text("é" * 500)) == MAX_SERVICE_TEXT_CHARS + 1


def test_a_card_error_goes_to_the_gateway_scrubbed() -> None:
    result = card_to_result("k", Card.error("no row for grace@example.com\nFAKE " + "!" * 300))
    assert result.WhichOneof("outcome") == "error"
    assert result.error.reason.startswith("no row for [email]\\nFAKE !!!"), result.error.reason
    assert len(result.error.reason) == MAX_SERVICE_TEXT_CHARS + 1
    assert isinstance(result, pb.CardResult)


def test_log_lines_scrub_emails_with_the_same_placeholder() -> None:
    record = logging.LogRecord("cardmesh_kit", logging.WARNING, __file__, 1, "failed for ada@example.com",
                               None, None)
    record.reason = "user grace.h+tag@mail.example.org not found"
    for formatter in (JsonFormatter(), TextFormatter()):
        line = formatter.format(record)
        assert "ada@" not in line and "grace" not in line, line
        assert "failed for [email]" in line and "user [email] not found" in line, line
