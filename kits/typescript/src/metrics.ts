/**
 * The Prometheus metrics of one card service, the same as the Rust kit's, served on
 * `GET /metrics` of `CARDMESH_SERVICE_METRICS_LISTEN` (off by default):
 *
 * | metric | type | labels |
 * | --- | --- | --- |
 * | `cardmesh_kit_requests_total` | counter | `method` (`GetCards`, `Describe`, `RunAction`), `code` (`ok`, `invalid_argument`, `not_found`) |
 * | `cardmesh_kit_get_cards_duration_seconds` | histogram | |
 * | `cardmesh_kit_cards_total` | counter | `card` (a declared key, or `other`), `outcome` (`components`, `no_data`, `error`) |
 * | `cardmesh_kit_actions_total` | counter | `action` (a declared name, or `other`), `outcome` (`succeeded`, `refused`, `failed`) |
 * | `cardmesh_kit_run_action_duration_seconds` | histogram | |
 */
import { createServer, type Server } from "node:http";
import { Counter, Histogram, Registry } from "prom-client";

import type { ActionOutcome } from "./actions.js";
import type { CardResult } from "./generated/cardmesh/v1/card_service.js";

/** Histogram buckets, 1 ms to 10 s (as the gateway's). */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The counters of one card service, in a registry of its own. */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"method" | "code">;
  private readonly duration: Histogram;
  private readonly cards: Counter<"card" | "outcome">;
  private readonly declared: Set<string>;
  private readonly actionDuration: Histogram;
  private readonly actions: Counter<"action" | "outcome">;
  private readonly declaredActions: Set<string>;

  /** Metrics for a service declaring the cards `keys` and the actions `actions`. */
  constructor(keys: string[], actions: string[] = []) {
    this.declared = new Set(keys);
    this.declaredActions = new Set(actions);
    const registers = [this.registry];
    this.requests = new Counter({ name: "cardmesh_kit_requests_total", help: "gRPC calls answered, by method and code.", labelNames: ["method", "code"], registers });
    this.duration = new Histogram({ name: "cardmesh_kit_get_cards_duration_seconds", help: "Time to answer a GetCards call.", buckets: BUCKETS, registers });
    this.cards = new Counter({ name: "cardmesh_kit_cards_total", help: "Cards drawn, by card key and outcome.", labelNames: ["card", "outcome"], registers });
    for (const card of [...keys, "other"]) {
      for (const outcome of ["components", "no_data", "error"]) this.cards.labels(card, outcome).inc(0);
    }
    this.requests.labels("GetCards", "ok").inc(0);
    this.requests.labels("GetCards", "invalid_argument").inc(0);
    this.requests.labels("Describe", "ok").inc(0);
    this.actions = new Counter({ name: "cardmesh_kit_actions_total", help: "Actions run, by action name and outcome.", labelNames: ["action", "outcome"], registers });
    this.actionDuration = new Histogram({ name: "cardmesh_kit_run_action_duration_seconds", help: "Time to answer a RunAction call.", buckets: BUCKETS, registers });
    for (const action of [...actions, "other"]) {
      for (const outcome of ["succeeded", "refused", "failed"]) this.actions.labels(action, outcome).inc(0);
    }
    for (const code of ["ok", "invalid_argument", "not_found"]) this.requests.labels("RunAction", code).inc(0);
  }

  /** One `RunAction` refused with `INVALID_ARGUMENT` (`invalid_argument`) or for an action
   * the service does not declare (`not_found`). */
  refusedRunAction(code: "invalid_argument" | "not_found" | "unimplemented"): void {
    this.requests.labels("RunAction", code).inc();
  }

  /** One `RunAction` of `action` answered after `seconds` with `outcome`. */
  runAction(action: string, seconds: number, outcome: ActionOutcome): void {
    this.requests.labels("RunAction", "ok").inc();
    this.actionDuration.observe(seconds);
    this.actions.labels(this.declaredActions.has(action) ? action : "other", outcome.kind).inc();
  }

  describe(): void {
    this.requests.labels("Describe", "ok").inc();
  }

  invalidGetCards(): void {
    this.requests.labels("GetCards", "invalid_argument").inc();
  }

  getCards(seconds: number, results: CardResult[]): void {
    this.requests.labels("GetCards", "ok").inc();
    this.duration.observe(seconds);
    for (const result of results) {
      const card = this.declared.has(result.key) ? result.key : "other";
      const outcome = result.outcome?.$case === "components" ? "components" : result.outcome?.$case === "noData" ? "no_data" : "error";
      this.cards.labels(card, outcome).inc();
    }
  }
}

/** Serves `GET /metrics` of `metrics` on `host:port`; resolves once listening. */
export async function serveMetrics(metrics: ServiceMetrics, host: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method === "GET" && request.url?.split("?")[0] === "/metrics") {
      metrics.registry.metrics().then(
        (text) => response.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
        () => response.writeHead(500).end(),
      );
    } else {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found: GET /metrics\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
