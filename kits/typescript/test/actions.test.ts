/** Actions: declared in Describe, run over a real socket with the gateway's context and trace,
 * three outcomes, refusals that run nothing, metrics, and bad declarations refused at start. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";

import { Metadata, status } from "@grpc/grpc-js";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";

import { Action, type ActionContext, type CardProvider, Card, Logger, startService } from "../src/index.js";
import { actionContextFrom, checkActions, toOutcome } from "../src/actions.js";
import { ServiceMetrics } from "../src/metrics.js";
import { cardService } from "../src/server.js";
import { Tracing } from "../src/trace.js";
import { cardClient, describe, runAction } from "../src/testing.js";
import { REPO_ROOT } from "./paths.js";

const local = { listen: { host: "127.0.0.1", port: 0 } };
const customer = { id: "c_1", email: "ada@example.com", externalId: "cus_1" };

/** Extends a trial once per customer; fails, throws or answers oddly on request. */
function billing(seen: ActionContext[] = []): CardProvider {
  const extended = new Set<string>();
  return {
    name: "billing",
    cards: [{ key: "subscription-status", title: "Subscription" }],
    card: () => Card.noData(),
    actions: [{ name: "extend-trial", description: "Extends the trial by 14 days", changesCards: ["subscription-status"] }],
    action: (_name, ctx) => {
      seen.push(ctx);
      const body = ctx.body as { days?: number; fail?: boolean; throw?: boolean };
      if (body.fail === true) return Action.failed(`billing is down for ${ctx.customer.email ?? ""}`);
      if (body.throw === true) throw new TypeError("cannot read the plan");
      if (ctx.preview) return Action.succeeded("Preview: the trial would be extended");
      if (extended.has(ctx.customer.id)) return Action.refused("the trial was already extended");
      extended.add(ctx.customer.id);
      return `Trial extended by ${body.days ?? 14} days`;
    },
  };
}

test("Describe announces the actions with the cards they change", async () => {
  const service = await startService(billing(), { env: local, logger: new Logger("error") });
  const client = cardClient(service.port);
  const described = await describe(client);
  assert.deepEqual(described.actions, [{ name: "extend-trial", description: "Extends the trial by 14 days", changesCards: ["subscription-status"] }]);
  client.close();
  await service.shutdown();
});

test("an action runs with the gateway's context and answers each outcome, scrubbed", async () => {
  const seen: ActionContext[] = [];
  const service = await startService(billing(seen), { env: local, logger: new Logger("error") });
  const client = cardClient(service.port);
  const thread = { id: "th_1" };
  const first = await runAction(client, { action: "extend-trial", customer, thread, body: { days: 7 }, idempotencyKey: "idem_1" });
  assert.deepEqual(first, Action.succeeded("Trial extended by 7 days"));
  assert.deepEqual(await runAction(client, { action: "extend-trial", customer }), Action.refused("the trial was already extended"));
  assert.deepEqual(await runAction(client, { action: "extend-trial", customer, body: { fail: true } }), Action.failed("billing is down for [email]"));
  assert.deepEqual(await runAction(client, { action: "extend-trial", customer, body: { throw: true } }), Action.failed("the action threw TypeError"));
  assert.deepEqual(await runAction(client, { action: "extend-trial", customer, preview: true }), Action.succeeded("Preview: the trial would be extended"));

  const ctx = seen[0]!;
  assert.equal(ctx.action, "extend-trial");
  assert.equal(ctx.workspaceId, "w_test");
  assert.equal(ctx.customer.email, "ada@example.com");
  assert.equal(ctx.customer.externalId, "cus_1");
  assert.deepEqual(ctx.thread, { id: "th_1" });
  assert.deepEqual(ctx.body, { days: 7 });
  assert.equal(ctx.bodyJson, '{"days":7}');
  assert.equal(ctx.idempotencyKey, "idem_1");
  assert.equal(ctx.preview, false);
  assert.equal(seen[4]?.preview, true);
  assert.notEqual(seen[1]?.idempotencyKey, seen[2]?.idempotencyKey, "each delivery of the helper has its own key");
  client.close();
  await service.shutdown();
});

test("an undeclared action or a bad request is refused and runs nothing", async () => {
  const seen: ActionContext[] = [];
  const service = await startService(billing(seen), { env: local, logger: new Logger("error") });
  const client = cardClient(service.port);
  const code = (expected: number, text: string) => (e: { code: number; details: string }) => e.code === expected && e.details.includes(text);
  await assert.rejects(runAction(client, { action: "refund", customer }), code(status.NOT_FOUND, '"refund"'));
  await assert.rejects(runAction(client, { action: "extend-trial", customer: undefined }), code(status.INVALID_ARGUMENT, "customer"));
  await assert.rejects(runAction(client, { action: "extend-trial", customer, bodyJson: '{"email":"ada@example.com"' }), (e: { code: number; details: string }) =>
    e.code === status.INVALID_ARGUMENT && e.details.includes("body_json") && !e.details.includes("ada@example.com"));
  assert.equal(seen.length, 0);
  client.close();
  await service.shutdown();
});

test("a RunAction call has its own span in the caller's trace", async () => {
  const exporter = new InMemorySpanExporter();
  const tracing = new Tracing("billing", {}, exporter);
  const seen: ActionContext[] = [];
  const service = await startService(billing(seen), { env: local, logger: new Logger("error"), tracing });
  const client = cardClient(service.port);
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  await runAction(client, { action: "extend-trial", customer }, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
  client.close();
  await tracing.flush();
  const spans = exporter.getFinishedSpans();
  await service.shutdown();
  assert.equal(spans.length, 1);
  assert.equal(spans[0]?.name, "card_service_action");
  assert.equal(spans[0]?.spanContext().traceId, traceId);
  assert.equal(spans[0]?.parentSpanContext?.spanId, "00f067aa0ba902b7");
  assert.equal(spans[0]?.attributes.action, "extend-trial");
  assert.equal(seen[0]?.traceId, traceId);
});

test("metrics count actions by name and outcome, and refused calls by code", async () => {
  const service = await startService(billing(), { env: { ...local, metrics: { host: "127.0.0.1", port: 0 } }, logger: new Logger("error") });
  const client = cardClient(service.port);
  await runAction(client, { action: "extend-trial", customer });
  await runAction(client, { action: "extend-trial", customer });
  await assert.rejects(runAction(client, { action: "refund", customer }));
  client.close();
  const text = await (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
  assert.match(text, /cardmesh_kit_actions_total\{action="extend-trial",outcome="succeeded"\} 1/);
  assert.match(text, /cardmesh_kit_actions_total\{action="extend-trial",outcome="refused"\} 1/);
  assert.match(text, /cardmesh_kit_requests_total\{method="RunAction",code="ok"\} 2/);
  assert.match(text, /cardmesh_kit_requests_total\{method="RunAction",code="not_found"\} 1/);
  assert.match(text, /cardmesh_kit_run_action_duration_seconds_count 2/);
  assert.doesNotMatch(text, /refund/);
  await service.shutdown();
});

test("bad action declarations are refused before serving, naming the action", async () => {
  const bad = (change: Partial<CardProvider>) => startService({ ...billing(), ...change }, { env: local, logger: new Logger("error") });
  await assert.rejects(bad({ actions: [{ name: "Extend Trial", description: "x" }] }), /action name "Extend Trial" does not match \[a-z0-9\]\[a-z0-9-\]\*/);
  await assert.rejects(bad({ actions: [{ name: "a", description: "x" }, { name: "a", description: "y" }] }), /action "a" is declared twice/);
  await assert.rejects(bad({ actions: [{ name: "a", description: "x", changesCards: ["no key"] }] }), /changes card "no key"/);
  await assert.rejects(bad({ action: undefined }), /implement action\(name, ctx\)/);
  const pattern = "^[a-zA-Z0-9_-]+$";
  assert.deepEqual(checkActions([{ name: "a", description: "x", changesCards: ["subscription-status"] }], ["subscription-status"], pattern), []);
  const warnings = checkActions([{ name: "a", description: "x", changesCards: ["latest-invoice"] }], ["subscription-status"], pattern);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /"latest-invoice"/);
  assert.throws(() => checkActions([{ name: "a".repeat(65), description: "x" }], [], pattern), /at most 64 bytes/);
});

test("the context hides the email and the body from JSON and logs; odd answers become failures", () => {
  const ctx = actionContextFrom(
    { action: "a", workspaceId: "w", customer, bodyJson: '{"email":"ada@example.com"}', idempotencyKey: "k", preview: false },
    "t",
  );
  assert.deepEqual(ctx.body, { email: "ada@example.com" });
  assert.doesNotMatch(JSON.stringify(ctx), /ada@example\.com/);
  assert.equal(actionContextFrom({ action: "a", workspaceId: "w", customer, bodyJson: "", idempotencyKey: "k", preview: false }, "t").body, null);
  assert.deepEqual(toOutcome("done"), Action.succeeded("done"));
  assert.equal(toOutcome({ kind: "nope" } as never).kind, "failed");
});

test("the kit serves the metric names and types of the generated metrics reference (the Rust kit's)", async () => {
  const page = readFileSync(resolve(REPO_ROOT, "docs/src/reference/metrics.md"), "utf8");
  const section = page.split("## Card services")[1]?.split("\n## ")[0] ?? "";
  const documented = [...section.matchAll(/^\| `([a-z_]+)` \| (counter|histogram) \|/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
  assert.ok(documented.some((line) => line.startsWith("cardmesh_kit_actions_total ")), section);
  const served = (await new ServiceMetrics(["k"], ["a"]).registry.getMetricsAsJSON()).map((m) => `${m.name} ${String(m.type)}`).sort();
  assert.deepEqual(served, documented);
});

test("a declared action without a handler is UNIMPLEMENTED, which the gateway does not keep, not a refusal", async () => {
  // startService refuses such a provider at start; cardService alone (a server of one's own) does not.
  const provider: CardProvider = { ...billing(), action: undefined };
  const metrics = new ServiceMetrics(["subscription-status"], ["extend-trial"]);
  const handlers = cardService(provider, { logger: new Logger("error"), metrics, tracing: new Tracing("billing", {}) });
  const request = { action: "extend-trial", workspaceId: "w", customer, bodyJson: "{}", idempotencyKey: "idem_1", preview: false };
  const call = { request, metadata: new Metadata() } as unknown as Parameters<typeof handlers.runAction>[0];
  const error = await new Promise<{ code: number; details: string } | null>((done) => handlers.runAction(call, (e) => done(e as { code: number; details: string } | null)));
  assert.equal(error?.code, status.UNIMPLEMENTED);
  assert.match(error?.details ?? "", /extend-trial/);
  const text = await metrics.registry.metrics();
  assert.match(text, /cardmesh_kit_requests_total\{method="RunAction",code="unimplemented"\} 1/);
  assert.doesNotMatch(text, /outcome="refused"\} 1/);
});
