/**
 * Text that comes from elsewhere (a thrown error's message, a card's error reason, the
 * gateway's answer), made fit for a log line or for the gateway: the same rule as the Rust
 * crates (`cardmesh_telemetry::scrub`) and the Python kit (`cardmesh_kit.scrub`), in this
 * order:
 *
 * 1. anything shaped like an email address (a run of characters other than whitespace and
 *    `@"'<>()[],;:`, an `@`, then such a run with at least one dot inside) becomes
 *    {@link EMAIL_PLACEHOLDER};
 * 2. newline, carriage return and tab become `\n`, `\r`, `\t`; every other control character,
 *    U+2028, U+2029 and the bidirectional controls (U+200E, U+200F, U+202A–U+202E,
 *    U+2066–U+2069) become `\uXXXX` (four lowercase hex digits);
 * 3. at most {@link MAX_SERVICE_TEXT_CHARS} characters (code points) are kept; longer text
 *    ends with {@link CLIPPED_MARK}.
 */

/** Most characters kept (200). */
export const MAX_SERVICE_TEXT_CHARS = 200;

/** What an email address becomes. */
export const EMAIL_PLACEHOLDER = "[email]";

/** Appended to text that was clipped. */
export const CLIPPED_MARK = "…";

const EMAIL = /[^\s@"'<>()\[\],;:]+@[^\s@"'<>()\[\],;:]*[^\s@"'<>()\[\],;:.]\.[^\s@"'<>()\[\],;:]+/gu;

/** `text` with everything shaped like an email address replaced by {@link EMAIL_PLACEHOLDER}. */
export function scrubEmails(text: string): string {
  return text.replace(EMAIL, EMAIL_PLACEHOLDER);
}

/** The printed form of one character: itself, or its escape. */
function escape(char: string): string {
  switch (char) {
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
  }
  const code = char.codePointAt(0) ?? 0;
  const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
  const invisible =
    code === 0x2028 || code === 0x2029 || code === 0x200e || code === 0x200f || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
  return control || invisible ? `\\u${code.toString(16).padStart(4, "0")}` : char;
}

/** `text` from elsewhere, fit for a log line: emails replaced, control characters escaped,
 * clipped to {@link MAX_SERVICE_TEXT_CHARS} characters (see the module's rule). */
export function scrubServiceText(text: string): string {
  let out = "";
  let kept = 0;
  for (const char of scrubEmails(text)) {
    const printed = escape(char);
    const width = [...printed].length;
    if (kept + width > MAX_SERVICE_TEXT_CHARS) return out + CLIPPED_MARK;
    kept += width;
    out += printed;
  }
  return out;
}
