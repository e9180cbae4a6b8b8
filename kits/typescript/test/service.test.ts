/** The kit's gRPC server on real sockets: health, trace context, metrics, bad requests. */
import assert from "node:assert/strict";
import { test } from "node:test";

import { type ClientReadableStream, credentials, makeGenericClientConstructor, status } from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { uiComponent } from "@team-plain/ui-components";

import { Card, type CardProvider, Logger, startService } from "../src/index.js";
import { Tracing } from "../src/trace.js";
import { cardClient, checkHealth, getCards } from "../src/testing.js";

const provider: CardProvider = {
  name: "probe",
  cards: [
    { key: "hello", title: "Hello" },
    { key: "batch-a", title: "A" },
    { key: "odd", title: "Returns something else" },
  ],
  card: (key, ctx) => {
    if (key === "hello") return [uiComponent.text({ text: `hello ${ctx.customer.id}` })];
    if (key === "odd") return "not a card" as never;
    return Card.noData();
  },
};

const local = { listen: { host: "127.0.0.1", port: 0 } };
const customer = { id: "c_1", email: "ada@example.com", externalId: "cus_1" };

test("health reports SERVING for the server and the card service, NOT_SERVING once shut down", async () => {
  const service = await startService(provider, { env: local, logger: new Logger("error") });
  assert.equal(await checkHealth(service.port), "SERVING");
  assert.equal(await checkHealth(service.port, "cardmesh.v1.CardService"), "SERVING");
  await assert.rejects(checkHealth(service.port, "other.Service"), (e: { code: number }) => e.code === status.NOT_FOUND);
  await service.shutdown();
  await assert.rejects(checkHealth(service.port), (e: { code: number }) => e.code === status.UNAVAILABLE);
});

type HealthWatchClient = { watch(request: { service: string }): ClientReadableStream<{ status: string }>; close(): void };

/** Resolves once `done()` is true; rejects after 30 s. */
async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test("health turns NOT_SERVING as soon as the shutdown begins, on a watch opened before it", async () => {
  const service = await startService(provider, { env: local, logger: new Logger("error") });
  const Health = makeGenericClientConstructor(healthService as never, "Health");
  const client = new Health(`127.0.0.1:${service.port}`, credentials.createInsecure()) as unknown as HealthWatchClient;
  const statuses: string[] = [];
  const watch = client.watch({ service: "cardmesh.v1.CardService" });
  watch.on("data", (answer: { status: string }) => statuses.push(String(answer.status)));
  watch.on("error", () => {});
  await until("SERVING on the watch", () => statuses.length > 0);
  assert.deepEqual(statuses, ["SERVING"]);
  // The open watch keeps the server in its grace period; the status must change before.
  const stopping = service.shutdown();
  await until("a status after the shutdown began", () => statuses.length > 1);
  assert.deepEqual(statuses, ["SERVING", "NOT_SERVING"]);
  watch.cancel();
  client.close();
  await stopping;
});

test("one result per requested key in request order; repeats copied, undeclared keys no data", async () => {
  const service = await startService(provider, { env: local, logger: new Logger("error") });
  const client = cardClient(service.port);
  const response = await getCards(client, { cardKeys: ["hello", "nope", "hello", "batch-a", "odd"], customer });
  assert.deepEqual(response.results.map((r) => [r.key, r.outcome?.$case]), [
    ["hello", "components"],
    ["nope", "noData"],
    ["hello", "components"],
    ["batch-a", "noData"],
    ["odd", "error"],
  ]);
  await assert.rejects(getCards(client, { cardKeys: ["hello"] }), (e: { code: number; details: string }) => e.code === status.INVALID_ARGUMENT && e.details.includes("customer"));
  client.close();
  await service.shutdown();
});

test("a batched getCards provider answers every key; a missing one is a card error", async () => {
  const batched: CardProvider = {
    name: "batched",
    cards: [{ key: "a", title: "A" }, { key: "b", title: "B" }],
    getCards: async (keys) => new Map(keys.filter((k) => k === "a").map((k) => [k, [uiComponent.badge({ label: k })]])),
  };
  const service = await startService(batched, { env: local, logger: new Logger("error") });
  const client = cardClient(service.port);
  const response = await getCards(client, { cardKeys: ["a", "b"], customer });
  assert.equal(response.results[0]?.outcome?.$case, "components");
  const b = response.results[1]?.outcome;
  assert.ok(b?.$case === "error" && b.error.reason.includes("no answer"), JSON.stringify(b));
  client.close();
  await service.shutdown();
});

test("the call joins the caller's trace from traceparent; its span is a child of the caller's", async () => {
  const exporter = new InMemorySpanExporter();
  const logs: string[] = [];
  const tracing = new Tracing("probe", {}, exporter);
  const service = await startService(provider, { env: local, logger: new Logger("debug", (line) => logs.push(line)), tracing });
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const parent = "00f067aa0ba902b7";
  const client = cardClient(service.port);
  await getCards(client, { cardKeys: ["hello"], customer }, { traceparent: `00-${traceId}-${parent}-01` });
  client.close();
  await tracing.flush();
  const spans = exporter.getFinishedSpans();
  await service.shutdown();
  assert.equal(spans.length, 1);
  const span = spans[0]!;
  assert.equal(span.name, "card_service_request");
  assert.equal(span.spanContext().traceId, traceId);
  assert.equal(span.parentSpanContext?.spanId, parent);
  assert.equal(span.attributes["rpc.method"], "cardmesh.v1.CardService/GetCards");
  assert.equal(span.resource.attributes["service.name"], "probe");
  const answered = logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message === "answered GetCards");
  assert.equal(answered?.trace_id, traceId, logs.join(""));
});

test("with tracing off, log lines still carry the caller's trace id", async () => {
  const logs: string[] = [];
  const service = await startService(provider, { env: local, logger: new Logger("debug", (line) => logs.push(line)), tracing: new Tracing("probe", {}) });
  const client = cardClient(service.port);
  await getCards(client, { cardKeys: ["hello"], customer }, { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" });
  await getCards(client, { cardKeys: ["hello"], customer });
  client.close();
  await service.shutdown();
  const ids = logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.message === "answered GetCards").map((l) => l.trace_id);
  assert.equal(ids[0], "0af7651916cd43dd8448eb211c80319c");
  assert.match(String(ids[1]), /^[0-9a-f]{32}$/);
  assert.notEqual(ids[1], ids[0]);
});

test("metrics count calls and cards by outcome on GET /metrics", async () => {
  const service = await startService(provider, { env: { ...local, metrics: { host: "127.0.0.1", port: 0 } }, logger: new Logger("error") });
  const client = cardClient(service.port);
  await getCards(client, { cardKeys: ["hello", "batch-a", "made-up"], customer });
  client.close();
  const response = await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`);
  assert.equal(response.status, 200);
  const text = await response.text();
  assert.match(text, /cardmesh_kit_requests_total\{method="GetCards",code="ok"\} 1/);
  assert.match(text, /cardmesh_kit_cards_total\{card="hello",outcome="components"\} 1/);
  assert.match(text, /cardmesh_kit_cards_total\{card="batch-a",outcome="no_data"\} 1/);
  assert.match(text, /cardmesh_kit_cards_total\{card="other",outcome="no_data"\} 1/);
  assert.match(text, /cardmesh_kit_get_cards_duration_seconds_count 1/);
  assert.equal((await fetch(`http://127.0.0.1:${service.metricsPort}/other`)).status, 404);
  await service.shutdown();
});

test("bad declarations are refused before serving, naming the card", async () => {
  const bad = (cards: CardProvider["cards"]) => startService({ ...provider, cards }, { env: local, logger: new Logger("error") });
  await assert.rejects(bad([{ key: "a b", title: "x" }]), /card key "a b" does not match/);
  await assert.rejects(bad([{ key: "a", title: "x" }, { key: "a", title: "y" }]), /declared twice/);
  await assert.rejects(bad([{ key: "a", title: "x", defaultTtlSeconds: 5 }]), /defaultTtlSeconds 5 must be whole seconds from 15/);
});
