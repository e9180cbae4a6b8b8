/** Small pieces: customer lookup, log lines, environment parsing, the context's email. */
import assert from "node:assert/strict";
import { test } from "node:test";

import { contextFrom } from "../src/context.js";
import { CustomerIndex, Logger, parseAddress, scrubEmails, serviceEnv } from "../src/index.js";
import { levelFromEnv } from "../src/log.js";

test("CustomerIndex finds by external id first, then by email; errors never name emails", () => {
  const index = new CustomerIndex<string>();
  index.insert("cus_1", "Ada@Example.com", "ada");
  index.insert(null, "grace@example.com", "grace");
  index.insert("cus_3", undefined, "linus");
  assert.equal(index.size, 3);
  assert.equal(index.find({ id: "c", externalId: "cus_1", email: "other@example.com" }), "ada");
  assert.equal(index.find({ id: "c", externalId: "cus_unknown", email: "ADA@example.COM" }), "ada");
  assert.equal(index.find({ id: "c", email: " grace@example.com " }), "grace");
  assert.equal(index.find({ id: "c", externalId: "cus_3" }), "linus");
  assert.equal(index.find({ id: "c" }), undefined);
  assert.throws(() => index.insert("cus_1", null, "again"), /cus_1/);
  assert.throws(() => index.insert(null, "GRACE@example.com", "again"), (e: Error) => !e.message.includes("grace") && e.message.includes("record 1"));
  assert.throws(() => index.insert(" ", "", "nobody"), /external id or an email/);
});

test("the context hides the email from JSON and treats empty ids as absent", () => {
  const ctx = contextFrom({ cardKeys: [], workspaceId: "w", customer: { id: "c_1", email: "ada@example.com", externalId: "" }, thread: { id: "th", externalId: "x" } }, "t");
  assert.ok(ctx);
  assert.equal(ctx.customer.email, "ada@example.com");
  assert.equal(ctx.customer.externalId, undefined);
  assert.deepEqual(ctx.thread, { id: "th", externalId: "x" });
  assert.ok(!JSON.stringify(ctx).includes("ada@"), JSON.stringify(ctx));
  const noEmail = contextFrom({ cardKeys: [], workspaceId: "w", customer: { id: "c_2" } }, "t");
  assert.equal(noEmail?.customer.email, undefined);
  assert.equal(contextFrom({ cardKeys: [], workspaceId: "w" }, "t"), undefined);
});

test("log lines are JSON with the level, and emails are scrubbed from every field", () => {
  const lines: string[] = [];
  const logger = new Logger("info", (line) => lines.push(line));
  logger.debug("hidden");
  logger.warn("failed for ada@example.com", { reason: "user grace.h+tag@mail.example.org not found", n: 3 });
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(line.level, "WARN");
  assert.equal(line.message, "failed for [email]");
  assert.equal(line.reason, "user [email] not found");
  assert.equal(line.n, 3);
  assert.equal(scrubEmails("no email here: a@b"), "no email here: a@b");
  assert.equal(levelFromEnv({ CARDMESH_LOG_LEVEL: "DEBUG" }), "debug");
  assert.equal(levelFromEnv({ RUST_LOG: "warn" }), "warn");
  assert.equal(levelFromEnv({ RUST_LOG: "info,cardmesh_kit=debug" }), "info");
});

test("addresses and defaults as the Rust kit reads them", () => {
  assert.deepEqual(serviceEnv({}), { listen: { host: "0.0.0.0", port: 50051 } });
  assert.deepEqual(serviceEnv({ CARDMESH_SERVICE_LISTEN: " ", CARDMESH_SERVICE_METRICS_LISTEN: "" }), { listen: { host: "0.0.0.0", port: 50051 } });
  assert.deepEqual(parseAddress("[::]:6000", "X", "e"), { host: "::", port: 6000 });
  assert.deepEqual(serviceEnv({ CARDMESH_SERVICE_METRICS_LISTEN: "127.0.0.1:9464" }).metrics, { host: "127.0.0.1", port: 9464 });
  assert.throws(() => parseAddress("localhost:1", "CARDMESH_SERVICE_LISTEN", "0.0.0.0:50051"), /CARDMESH_SERVICE_LISTEN="localhost:1" is not an address like 0.0.0.0:50051/);
  assert.throws(() => parseAddress("1.2.3.4:70000", "X", "e"), /not an address/);
});
