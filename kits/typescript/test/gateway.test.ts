/**
 * The kit over real gRPC behind the real gateway binary: the gateway learns the cards through
 * Describe, and its answers to signed Plain requests carry exactly what the builders made;
 * cards Plain would refuse and failing cards become the gateway's fallback card; logs never
 * hold the customer's email.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { uiComponent } from "@team-plain/ui-components";

import { Card, type CardProvider, Logger, type RunningService, startService } from "../src/index.js";
import { Tracing } from "../src/trace.js";
import { allTwelve, originalTen } from "./support/components.js";
import { Gateway, body, cardOf, isFallback } from "./support/gateway.js";

const logs: string[] = [];

const provider: CardProvider = {
  name: "kit-test",
  cards: [
    { key: "original-ten", title: "The ten components of the first protocol" },
    { key: "all-twelve", title: "All twelve components" },
    { key: "no-data", title: "Nothing to show", scope: "thread" },
    { key: "invalid", title: "Breaks Plain's rules", defaultTtlSeconds: 60 },
    { key: "throws", title: "Backend down" },
    { key: "who", title: "Who is asking", scope: "tenant" },
  ],
  async card(key, ctx) {
    switch (key) {
      case "original-ten":
        return Card.components(originalTen(), { ttlSeconds: 120 });
      case "all-twelve":
        return allTwelve();
      case "no-data":
        return null;
      case "invalid":
        return [uiComponent.container({ content: [uiComponent.text({ text: "x".repeat(10_001) }), uiComponent.row({ mainContent: [], asideContent: [] })] })];
      case "throws":
        throw new Error(`backend down for ${ctx.customer.email ?? "?"}`);
      default:
        return [uiComponent.plainText({ text: `${ctx.customer.externalId ?? "no external id"} / ${ctx.customer.email === undefined ? "no email" : "has email"}` })];
    }
  },
};

let service: RunningService;
let gateway: Gateway;

before(async () => {
  service = await startService(provider, {
    env: { listen: { host: "127.0.0.1", port: 0 } },
    logger: new Logger("debug", (line) => logs.push(line)),
    tracing: new Tracing("kit-test", {}),
  });
  gateway = await Gateway.start([`http://127.0.0.1:${service.port}`], { CARDMESH_CACHE: "false" });
});

after(async () => {
  await gateway?.stop();
  await service?.shutdown();
});

/** The builders' JSON as Plain receives it: fields left null by a builder are absent. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, withoutNulls(v)]));
  }
  return value;
}

test("the gateway answers with exactly the components the builders made, and the card's TTL", async () => {
  const answer = await gateway.post(body(["original-ten"], { externalId: "cus_1" }));
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  const card = cardOf(answer, "original-ten");
  assert.equal(card.timeToLiveSeconds, 120);
  assert.deepEqual(card.components, withoutNulls(originalTen()));
});

test("DateTime and User reach Plain too: all twelve components through the gateway", async () => {
  const answer = await gateway.post(body(["all-twelve"], { externalId: "cus_1" }));
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  const card = cardOf(answer, "all-twelve");
  assert.deepEqual(card.components, withoutNulls(allTwelve()), JSON.stringify(card));
});

test("no data hides the card; a refused tree and a failing card get the fallback card", async () => {
  const answer = await gateway.post(body(["no-data", "invalid", "throws", "original-ten"], {}));
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  assert.deepEqual(answer.json.cards?.map((c) => c.key), ["no-data", "invalid", "throws", "original-ten"]);
  assert.equal(cardOf(answer, "no-data").components, null);
  for (const key of ["invalid", "throws"]) {
    const card = cardOf(answer, key);
    assert.ok(isFallback(card), JSON.stringify(card));
    assert.equal(card.timeToLiveSeconds, 30);
  }
  assert.ok(!isFallback(cardOf(answer, "original-ten")));

  const invalid = logs.map((l) => JSON.parse(l) as Record<string, string>).find((l) => l.key === "invalid");
  assert.ok(invalid, logs.join(""));
  assert.equal(invalid.level, "WARN");
  assert.match(invalid.reason ?? "", /components\[0\]\.componentContainer\.containerContent\[0\]\.componentText\.text: .*maxChars/);
  // The second violation is beyond the 200 characters a reason keeps (validateComponents
  // lists them all).
  assert.ok(invalid.reason?.endsWith("…") && [...invalid.reason].length === 201, invalid.reason);
  assert.equal(invalid.customer_id, "c_test_1");
  assert.match(invalid.trace_id ?? "", /^[0-9a-f]{32}$/);
});

test("logs name the customer id but never the email", async () => {
  await gateway.post(body(["throws", "who"], { id: "c_logs", email: "grace.hopper@example.com" }));
  const text = logs.join("");
  assert.ok(text.includes("c_logs"), text);
  assert.ok(text.includes("backend down for [email]"), text);
  assert.ok(!text.includes("grace.hopper@example.com"), "an email reached the logs");
  assert.ok(!/[a-z0-9.]+@example\.com/.test(text), text);
});

test("a customer without an email is served (Plain sends null)", async () => {
  const answer = await gateway.post(body(["who"], { email: null, externalId: "cus_9" }));
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  const components = cardOf(answer, "who").components as { componentPlainText: { plainText: string } }[];
  assert.equal(components[0]?.componentPlainText.plainText, "cus_9 / no email");
});
