"""Text that comes from elsewhere, made fit for a log line or for the gateway.

A card error's reason, an exception's message or the gateway's answer is not trusted to be
short, single-line or free of customer data. :func:`service_text` applies the same rule as the
Rust crates (``cardmesh_telemetry::scrub``) and the TypeScript kit (``src/scrub.ts``), in this
order:

1. anything shaped like an email address (a run of characters other than whitespace and
   ``@"'<>()[],;:``, an ``@``, then such a run with at least one dot inside) becomes
   :data:`EMAIL_PLACEHOLDER`;
2. newline, carriage return and tab become ``\\n``, ``\\r``, ``\\t``; every other control
   character, U+2028, U+2029 and the bidirectional controls (U+200E, U+200F, U+202A-U+202E,
   U+2066-U+2069) become ``\\uXXXX`` (four lowercase hex digits);
3. at most :data:`MAX_SERVICE_TEXT_CHARS` characters (code points) are kept; longer text ends
   with :data:`CLIPPED_MARK`.
"""

from __future__ import annotations

import re

#: Most characters kept.
MAX_SERVICE_TEXT_CHARS = 200
#: What an email address becomes.
EMAIL_PLACEHOLDER = "[email]"
#: Appended to text that was clipped.
CLIPPED_MARK = "…"

_NOT = r"""[^\s@"'<>()\[\],;:"""
_EMAIL = re.compile(_NOT + "]+@" + _NOT + "]*" + _NOT + ".]\\." + _NOT + "]+")
_INVISIBLE = {0x2028, 0x2029, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def scrub_emails(text: str) -> str:
    """``text`` with everything shaped like an email address replaced by :data:`EMAIL_PLACEHOLDER`."""
    return _EMAIL.sub(EMAIL_PLACEHOLDER, text)


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x20 or 0x7F <= code <= 0x9F or code in _INVISIBLE:
        return f"\\u{code:04x}"
    return char


def service_text(text: str) -> str:
    """``text`` from elsewhere, fit for a log line: emails replaced, control characters
    escaped, clipped to :data:`MAX_SERVICE_TEXT_CHARS` characters (see the module's rule)."""
    out: list[str] = []
    kept = 0
    for char in scrub_emails(text):
        printed = _escape(char)
        if kept + len(printed) > MAX_SERVICE_TEXT_CHARS:
            return "".join(out) + CLIPPED_MARK
        kept += len(printed)
        out.append(printed)
    return "".join(out)
