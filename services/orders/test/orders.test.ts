/** The orders service over real gRPC: Describe, last-order by external id or email, no data,
 * and a fixture check that refuses records drawing cards Plain would refuse. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { Logger, type RunningService, startService } from "@cardmesh/kit";
import { cardClient, checkHealth, describe, getCards } from "@cardmesh/kit/testing";

import { formatAmount } from "../src/cards.js";
import { fixturesFromEnv, parseFixtures } from "../src/fixtures.js";
import { LAST_ORDER, ordersProvider } from "../src/orders.js";

let service: RunningService;
let client: ReturnType<typeof cardClient>;

before(async () => {
  service = await startService(ordersProvider(fixturesFromEnv({})), { env: { listen: { host: "127.0.0.1", port: 0 } }, logger: new Logger("error") });
  client = cardClient(service.port);
});

after(async () => {
  client.close();
  await service.shutdown();
});

test("Describe lists last-order and health is SERVING", async () => {
  const answer = await describe(client);
  assert.equal(answer.serviceName, "orders");
  assert.deepEqual(answer.cards.map((c) => [c.key, c.title, c.defaultTtlSeconds]), [[LAST_ORDER, "Last order", 300]]);
  assert.equal(await checkHealth(service.port, "cardmesh.v1.CardService"), "SERVING");
});

test("the demo customer's last order, found by external id", async () => {
  const response = await getCards(client, { cardKeys: [LAST_ORDER], customer: { id: "c_1", externalId: "cus_demo_1", email: "someone-else@example.com" } });
  const outcome = response.results[0]?.outcome;
  assert.ok(outcome?.$case === "components", JSON.stringify(outcome));
  const text = JSON.stringify(outcome.components);
  assert.ok(text.includes("ORD-2026-1042") && text.includes("$129.00 (3 items)"), text);
});

test("without an external id the email finds the record; without either there is no data", async () => {
  const byEmail = await getCards(client, { cardKeys: [LAST_ORDER], customer: { id: "c_2", email: "Linus@Example.com" } });
  assert.ok(JSON.stringify(byEmail.results[0]).includes("ORD-2026-0811"));
  const noEmail = await getCards(client, { cardKeys: [LAST_ORDER], customer: { id: "c_3" } });
  assert.equal(noEmail.results[0]?.outcome?.$case, "noData");
  const noOrder = await getCards(client, { cardKeys: [LAST_ORDER], customer: { id: "c_4", externalId: "cus_demo_3" } });
  assert.equal(noOrder.results[0]?.outcome?.$case, "noData");
});

test("a fixture record that would draw an invalid card is refused at start, naming it", () => {
  const bad = { customers: [{ externalId: "x", lastOrder: { number: "", status: "shipped", placedOn: "d", totalCents: 1, currency: "USD", items: 1, url: "https://a.example" } }] };
  assert.throws(() => parseFixtures(JSON.stringify(bad)), /customers\[0\]: lastOrder draws an invalid card: .*componentPlainText\.plainText/);
  assert.throws(() => parseFixtures('{"customers":[{"email":"a@example.com","extra":1}]}'), /customers\[0\]: unknown field extra/);
});

test("amounts", () => {
  assert.equal(formatAmount(12900, "USD"), "$129.00");
  assert.equal(formatAmount(123456789, "EUR"), "€1,234,567.89");
  assert.equal(formatAmount(-250, "GBP"), "-£2.50");
  assert.equal(formatAmount(4900, "CHF"), "CHF 49.00");
});
