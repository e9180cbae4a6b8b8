/**
 * `Invalidator` against the real gateway binary, its cache in a real redis-server: the
 * gateway's answer comes back as the result, a wrong token is a refusal, and a cached card is
 * drawn afresh after the call.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { uiComponent } from "@team-plain/ui-components";

import { type CardProvider, Invalidator, Logger, type RunningService, startService } from "../src/index.js";
import { Tracing } from "../src/trace.js";
import { Gateway, body, cardOf, waitFor } from "./support/gateway.js";
import { Redis } from "./support/redis.js";

const ADMIN_TOKEN = "kit-test-service-token-0123456789abcdef";
const logs: string[] = [];
const logger = new Logger("debug", (line) => logs.push(line));

/** How many times the service drew each customer's `counter` card. */
const draws = new Map<string, number>();

const provider: CardProvider = {
  name: "kit-invalidate-test",
  cards: [
    { key: "counter", title: "Drawn how often", defaultTtlSeconds: 300 },
    { key: "other", title: "Another card", defaultTtlSeconds: 300 },
  ],
  card(key, ctx) {
    if (key !== "counter") return [uiComponent.plainText({ text: "other" })];
    const n = (draws.get(ctx.customer.id) ?? 0) + 1;
    draws.set(ctx.customer.id, n);
    return [uiComponent.plainText({ text: `draw ${n}` })];
  },
};

let redis: Redis;
let service: RunningService;
let gateway: Gateway;

before(async () => {
  redis = await Redis.start();
  service = await startService(provider, {
    env: { listen: { host: "127.0.0.1", port: 0 } },
    logger,
    tracing: new Tracing("kit-invalidate-test", {}),
  });
  gateway = await Gateway.start([`http://127.0.0.1:${service.port}`], { CARDMESH_REDIS_URL: redis.url, CARDMESH_SERVICE_TOKEN: ADMIN_TOKEN });
});

after(async () => {
  await gateway?.stop();
  await service?.shutdown();
  await redis?.stop();
});

/** The text of the `counter` card the gateway serves for `customerId`. */
async function counter(customerId: string): Promise<string> {
  const answer = await gateway.post(body(["counter"], { id: customerId }));
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  const components = cardOf(answer, "counter").components as { componentPlainText?: { plainText: string } }[];
  return components[0]?.componentPlainText?.plainText ?? JSON.stringify(components);
}

test("invalidate by customer id: the gateway's answer names the keys, with no reloads (no Plain API key)", async () => {
  const invalidator = new Invalidator(gateway.adminUrl, ADMIN_TOKEN, { logger });
  const result = await invalidator.invalidate({ customerId: "c_inv_1" }, ["counter", "other"]);
  assert.deepEqual(result, { ok: true, answer: { invalidated: { customerId: "c_inv_1", cardKeys: ["counter", "other"], workspaces: [] }, reloads: [] } });

  const all = await invalidator.invalidate({ customerId: "c_inv_1" });
  assert.deepEqual(all, { ok: true, answer: { invalidated: { customerId: "c_inv_1", cardKeys: "all", workspaces: [] }, reloads: [] } });
});

test("a wrong token is refused with 401 invalid_admin_token", async () => {
  const result = await new Invalidator(gateway.adminUrl, "not-the-token", { logger }).invalidate({ customerId: "c_inv_1" });
  assert.deepEqual(result, { ok: false, error: { kind: "refused", status: 401, code: "invalid_admin_token" } });
});

test("an external id without a Plain API key is refused with 400 external_id_needs_plain_api", async () => {
  const result = await new Invalidator(gateway.adminUrl, ADMIN_TOKEN, { logger }).invalidate({ externalId: "cus_1" });
  assert.deepEqual(result, { ok: false, error: { kind: "refused", status: 400, code: "external_id_needs_plain_api" } });
});

test("a cached card is drawn afresh after the invalidation", async () => {
  const customer = "c_inv_fresh";
  assert.equal(await counter(customer), "draw 1");
  // The entry reaches Redis through the gateway's write queue; wait for it, not for a while.
  const fresh = `KEYS cardmesh:v3:{w:*:c:${customer}}:card:*`;
  await waitFor("the card to be cached in Redis", 10_000, async () => (await redis.command(fresh)) === "*1" || undefined);
  assert.equal(await counter(customer), "draw 1", "the second request was not served from the cache");
  assert.equal(draws.get(customer), 1);

  const result = await new Invalidator(gateway.adminUrl, ADMIN_TOKEN, { logger }).invalidate({ customerId: customer }, ["counter"]);
  assert.ok(result.ok, JSON.stringify(result));

  assert.equal(await counter(customer), "draw 2");
  assert.equal(draws.get(customer), 2);
});

test("logs of the calls never hold the admin token", () => {
  const text = logs.join("");
  assert.ok(text.includes("change reported to the gateway"), text);
  assert.ok(text.includes("invalid_admin_token"), text);
  assert.ok(!text.includes(ADMIN_TOKEN), "the admin token reached the logs");
});
