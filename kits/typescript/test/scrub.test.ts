/**
 * The kit's rule for text from elsewhere (thrown errors' messages, card error reasons, the
 * gateway's answers) before it is logged or sent to the gateway: emails replaced, control
 * characters escaped, clipped. The same cases as the Rust crates' and the Python kit's.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { CLIPPED_MARK, EMAIL_PLACEHOLDER, MAX_SERVICE_TEXT_CHARS, scrubServiceText, toResult } from "../src/index.js";

test("emails become the placeholder", () => {
  assert.equal(EMAIL_PLACEHOLDER, "[email]");
  assert.equal(scrubServiceText("no account for ada@example.com"), "no account for [email]");
  assert.equal(scrubServiceText("<Ada.Lovelace+cards@mail.example.co.uk>"), "<[email]>");
  assert.equal(scrubServiceText("two: a@b.io, ü@exämple.de"), "two: [email], [email]");
  assert.equal(scrubServiceText("a@b and @handle and user@localhost"), "a@b and @handle and user@localhost");
});

test("control characters are escaped, so a line stays one line", () => {
  assert.equal(scrubServiceText("line 1\nline 2\r\tend"), "line 1\\nline 2\\r\\tend");
  assert.equal(scrubServiceText("\u001b[31mred\u007f"), "\\u001b[31mred\\u007f");
  assert.equal(scrubServiceText("a\u2028b\u202ec"), "a\\u2028b\\u202ec");
  assert.equal(scrubServiceText("plain text, ünïcödé"), "plain text, ünïcödé");
});

test("long text is clipped after the email is gone, escapes never cut in half", () => {
  const out = scrubServiceText(`${"x".repeat(195)} ada@example.com`);
  assert.ok(!out.includes("ada@"), out);
  assert.equal(out, `${"x".repeat(195)} [ema${CLIPPED_MARK}`);
  const exact = "y".repeat(MAX_SERVICE_TEXT_CHARS);
  assert.equal(scrubServiceText(exact), exact);
  assert.equal(scrubServiceText("\n".repeat(150)), "\\n".repeat(100) + CLIPPED_MARK);
  assert.equal([...scrubServiceText("é".repeat(500))].length, MAX_SERVICE_TEXT_CHARS + 1);
  assert.equal([...scrubServiceText("😀".repeat(300))].length, MAX_SERVICE_TEXT_CHARS + 1, "code points, not UTF-16 units");
});

test("a card error goes to the gateway scrubbed, whatever the provider put in it", () => {
  const result = toResult("k", { kind: "error", reason: `Error: no row for grace@example.com\nFAKE ${"!".repeat(300)}` });
  assert.equal(result.outcome?.$case, "error");
  const reason = result.outcome?.$case === "error" ? result.outcome.error.reason : "";
  assert.ok(reason.startsWith("Error: no row for [email]\\nFAKE !!!"), reason);
  assert.equal([...reason].length, MAX_SERVICE_TEXT_CHARS + 1);
});
