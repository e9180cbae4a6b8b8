/**
 * `Invalidator` over real HTTP against a local server that records every request: the exact
 * request, which answers are retried (network errors, timeouts, 429, 5xx) and which are not,
 * the typed result, `fromEnv`, and logs that never hold the token.
 */
import assert from "node:assert/strict";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import { after, test } from "node:test";
import { inspect } from "node:util";

import {
  GATEWAY_ADMIN_TOKEN_ENV,
  GATEWAY_ADMIN_URL_ENV,
  GATEWAY_ALLOW_HTTP_ENV,
  Invalidator,
  type InvalidatorOptions,
  Logger,
  MAX_ANSWER_BYTES,
} from "../src/index.js";
import { freePort, waitFor } from "./support/gateway.js";

const TOKEN = "s3cret-admin-token-do-not-log";
const logs: string[] = [];
const logger = new Logger("debug", (line) => logs.push(line));
const servers: Server[] = [];

/** A request the server saw. */
interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A local HTTP server on port 0 that records every request and answers with `answer(n)` (n from 1). */
async function recorder(answer: (n: number, res: ServerResponse) => void): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString() });
      answer(seen.length, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("no address");
  return { url: `http://127.0.0.1:${address.port}`, seen };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

const errorBody = (code: string) => ({ error: { code, message: `${code} (test)` } });
const fast: InvalidatorOptions = { logger, backoffMs: 5, timeoutMs: 5_000 };

after(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("sends POST /admin/invalidate with the bearer token, JSON, and the customer and card keys", async () => {
  const answer = { invalidated: { customerId: "c_1", cardKeys: ["usage", "plan"] }, reloads: [] };
  const server = await recorder((_n, res) => json(res, 200, answer));
  const invalidator = new Invalidator(`${server.url}/`, TOKEN, fast);

  const result = await invalidator.invalidate({ customerId: "c_1" }, ["usage", "plan"]);
  assert.deepEqual(result, { ok: true, answer });
  const [first] = server.seen;
  assert.equal(server.seen.length, 1);
  assert.equal(first?.method, "POST");
  assert.equal(first?.path, "/admin/invalidate");
  assert.equal(first?.headers.authorization, `Bearer ${TOKEN}`);
  assert.match(first?.headers["content-type"] ?? "", /^application\/json/);
  assert.deepEqual(JSON.parse(first?.body ?? ""), { customerId: "c_1", cardKeys: ["usage", "plan"] });

  // By external id, and without keys (all of the customer's cards): no cardKeys field at all.
  await invalidator.invalidate({ externalId: "cus_42" });
  assert.equal(server.seen.length, 2);
  assert.deepEqual(JSON.parse(server.seen[1]?.body ?? ""), { externalId: "cus_42" });
  // An empty list is sent as given: it is the service's to choose.
  await invalidator.invalidate({ externalId: "cus_42" }, []);
  assert.deepEqual(JSON.parse(server.seen[2]?.body ?? ""), { externalId: "cus_42", cardKeys: [] });
});

test("a 503 then a 200: retried once, and the second answer returned", async () => {
  const answer = { invalidated: { customerId: "c_2", cardKeys: "all" }, reloads: [] };
  const server = await recorder((n, res) => (n === 1 ? json(res, 503, errorBody("cache_unavailable")) : json(res, 200, answer)));

  const result = await new Invalidator(server.url, TOKEN, fast).invalidate({ customerId: "c_2" });
  assert.deepEqual(result, { ok: true, answer });
  assert.equal(server.seen.length, 2);
  assert.deepEqual(server.seen[0]?.body, server.seen[1]?.body);
});

test("429 and 5xx on every attempt: unreachable after all attempts, naming the last status and code", async () => {
  const server = await recorder((n, res) => (n === 1 ? json(res, 429, errorBody("too_many")) : json(res, 502, errorBody("plain_unavailable"))));

  const result = await new Invalidator(server.url, TOKEN, { ...fast, attempts: 3 }).invalidate({ externalId: "cus_1" });
  assert.deepEqual(result, { ok: false, error: { kind: "unreachable", attempts: 3, cause: "HTTP 502 plain_unavailable" } });
  assert.equal(server.seen.length, 3);
});

test("401, 400, 404 and 409 are refusals: not retried, and the result names the status and code", async () => {
  const refusals: [number, string][] = [
    [401, "invalid_admin_token"],
    [400, "invalid_body"],
    [404, "not_found"],
    [409, "cache_disabled"],
  ];
  for (const [status, code] of refusals) {
    const server = await recorder((_n, res) => json(res, status, errorBody(code)));
    const result = await new Invalidator(server.url, TOKEN, fast).invalidate({ customerId: "c_3" }, ["usage"]);
    assert.deepEqual(result, { ok: false, error: { kind: "refused", status, code } });
    assert.equal(server.seen.length, 1, `${status} was retried`);
  }
  // Without the error envelope the code is "unknown".
  const bare = await recorder((_n, res) => res.writeHead(403).end("forbidden"));
  const result = await new Invalidator(bare.url, TOKEN, fast).invalidate({ customerId: "c_3" });
  assert.deepEqual(result, { ok: false, error: { kind: "refused", status: 403, code: "unknown" } });
});

test("a gateway that never answers: every attempt times out, unreachable after N attempts", async () => {
  const server = await recorder(() => {
    // Never answers.
  });
  const started = Date.now();
  const result = await new Invalidator(server.url, TOKEN, { logger, timeoutMs: 300, attempts: 2, backoffMs: 10 }).invalidate({ customerId: "c_4" });
  assert.deepEqual(result, { ok: false, error: { kind: "unreachable", attempts: 2, cause: "timeout" } });
  assert.ok(Date.now() - started >= 2 * 300, "the attempts did not wait for their timeout");
  await waitFor("the server to have seen both attempts", 5_000, () => server.seen.length === 2 || undefined);
});

test("a closed port: unreachable after N attempts, with the connection error as cause", async () => {
  const port = await freePort();
  const result = await new Invalidator(`http://127.0.0.1:${port}`, TOKEN, { ...fast, attempts: 2 }).invalidate({ customerId: "c_5" });
  assert.equal(result.ok, false);
  assert.ok(!result.ok && result.error.kind === "unreachable");
  assert.equal(result.error.attempts, 2);
  assert.match(result.error.cause, /ECONNREFUSED/);
});

test("never rejects: a URL that is not one ends unreachable too", async () => {
  const result = await new Invalidator("not a url", TOKEN, { ...fast, attempts: 1 }).invalidate({ customerId: "c_6" });
  assert.equal(result.ok, false);
  assert.ok(!result.ok && result.error.kind === "unreachable" && result.error.attempts === 1, JSON.stringify(result));
});

test("fromEnv: undefined, with one info line, unless both variables are set; values are trimmed", async () => {
  const lines: string[] = [];
  const quiet = { logger: new Logger("info", (line) => lines.push(line)) };
  const url = "http://127.0.0.1:9";
  for (const env of [{}, { [GATEWAY_ADMIN_URL_ENV]: url }, { [GATEWAY_ADMIN_TOKEN_ENV]: TOKEN }, { [GATEWAY_ADMIN_URL_ENV]: url, [GATEWAY_ADMIN_TOKEN_ENV]: "  " }]) {
    const before = lines.length;
    assert.equal(Invalidator.fromEnv(env, quiet), undefined, JSON.stringify(env));
    assert.equal(lines.length, before + 1);
    const line = JSON.parse(lines.at(-1) ?? "{}") as Record<string, string>;
    assert.equal(line.level, "INFO");
    assert.match(line.message ?? "", /CARDMESH_SERVICE_GATEWAY_ADMIN_URL or CARDMESH_SERVICE_GATEWAY_ADMIN_TOKEN is unset/);
  }

  const server = await recorder((_n, res) => json(res, 200, { invalidated: { customerId: "c_7", cardKeys: "all" }, reloads: [] }));
  const invalidator = Invalidator.fromEnv({ [GATEWAY_ADMIN_URL_ENV]: ` ${server.url}/ `, [GATEWAY_ADMIN_TOKEN_ENV]: ` ${TOKEN} ` }, { ...fast, logger: quiet.logger });
  assert.ok(invalidator);
  assert.equal(invalidator.url, `${server.url}/admin/invalidate`);
  assert.equal((await invalidator.invalidate({ customerId: "c_7" })).ok, true);
  assert.equal(server.seen[0]?.headers.authorization, `Bearer ${TOKEN}`);
});

test("the token goes to https:// or loopback only: plain http:// to another host is refused at start unless allowed", () => {
  for (const ok of ["https://gateway:9090", "http://127.0.0.1:9090", "http://[::1]:9090/", "http://localhost:9090"]) {
    assert.doesNotThrow(() => new Invalidator(ok, TOKEN, fast), ok);
  }
  assert.throws(() => new Invalidator("http://gateway:9090", TOKEN, fast), (error: Error) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /clear text/);
    assert.match(error.message, /CARDMESH_SERVICE_GATEWAY_ALLOW_HTTP=true/);
    return true;
  });
  assert.throws(() => new Invalidator("ftp://gateway/", TOKEN, fast), /neither https:\/\/ nor http:\/\//);
  assert.doesNotThrow(() => new Invalidator("http://gateway:9090", TOKEN, { ...fast, allowHttp: true }));

  const lines: string[] = [];
  const quiet = { logger: new Logger("info", (line) => lines.push(line)) };
  const remote = { [GATEWAY_ADMIN_URL_ENV]: "http://gateway:9090", [GATEWAY_ADMIN_TOKEN_ENV]: TOKEN };
  assert.equal(Invalidator.fromEnv(remote, quiet), undefined);
  const line = JSON.parse(lines.at(-1) ?? "{}") as Record<string, string>;
  assert.equal(line.level, "ERROR");
  assert.match(line.error ?? "", /http:\/\/gateway:9090.*clear text/);
  assert.ok(!lines.join("").includes(TOKEN));
  const allowed = Invalidator.fromEnv({ ...remote, [GATEWAY_ALLOW_HTTP_ENV]: "true" }, quiet);
  assert.equal(allowed?.url, "http://gateway:9090/admin/invalidate");
});

test("a redirect is not followed: the error names it and its target never sees a request", async () => {
  const target = await recorder((_n, res) => json(res, 200, { invalidated: {}, reloads: [] }));
  const redirect = await recorder((_n, res) => res.writeHead(302, { location: `${target.url}/admin/invalidate` }).end());
  const result = await new Invalidator(redirect.url, TOKEN, fast).invalidate({ customerId: "c_8" });
  assert.ok(!result.ok && result.error.kind === "unusable", JSON.stringify(result));
  assert.equal(result.error.status, 302);
  assert.match(result.error.reason, new RegExp(`a redirect to ${target.url}/admin/invalidate, not followed`));
  assert.equal(redirect.seen.length, 1, "a redirect is not retried");
  assert.equal(target.seen.length, 0, "the redirect was followed");
});

test("an answer over MAX_ANSWER_BYTES is not read: declared or streamed, the call fails", async () => {
  const big = `"${"x".repeat(MAX_ANSWER_BYTES)}"`;
  const declared = await recorder((_n, res) => res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(big) }).end(big));
  const streamed = await recorder((_n, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    for (let at = 0; at < big.length; at += 16 * 1024) res.write(big.slice(at, at + 16 * 1024));
    res.end();
  });
  for (const server of [declared, streamed]) {
    const result = await new Invalidator(server.url, TOKEN, fast).invalidate({ customerId: "c_9" });
    assert.deepEqual(result, { ok: false, error: { kind: "unusable", status: 200, reason: `the answer is larger than ${MAX_ANSWER_BYTES} bytes` } });
    assert.equal(server.seen.length, 1);
  }
});

test("logs: one line per call with the outcome, never the token", () => {
  const parsed = logs.map((line) => JSON.parse(line) as Record<string, unknown>);
  const reported = parsed.find((l) => l.message === "change reported to the gateway" && l.customer_id === "c_1");
  assert.deepEqual(reported && { level: reported.level, card_keys: reported.card_keys }, { level: "INFO", card_keys: ["usage", "plan"] });
  const refused = parsed.find((l) => l.message === "cannot report a change to the gateway" && l.code === "invalid_admin_token");
  assert.ok(refused, logs.join(""));
  assert.equal(refused.level, "WARN");
  assert.equal(refused.status, 401);
  assert.equal(refused.error, "the gateway refused the invalidation: HTTP 401 invalid_admin_token");
  const timedOut = parsed.find((l) => l.customer_id === "c_4");
  assert.equal(timedOut?.error, "the gateway could not be reached after 2 attempts: timeout");
  assert.ok(parsed.some((l) => l.external_id === "cus_42"), logs.join(""));

  const invalidator = new Invalidator("http://127.0.0.1:9", TOKEN);
  for (const text of [logs.join(""), JSON.stringify(invalidator), inspect(invalidator, { showHidden: true, depth: 5 })]) {
    assert.ok(!text.includes(TOKEN), `the token leaked: ${text}`);
  }
});
