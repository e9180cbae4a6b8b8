/**
 * Running a provider: {@link serve} (the whole process) and {@link startService} (a bound
 * service with explicit settings, for tests and embedding).
 */
import type { Server as HttpServer } from "node:http";

import { Server, ServerCredentials } from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";

import { checkActions } from "./actions.js";
import { DEFAULT_TTL_SECONDS } from "./cards.js";
import { catalogue } from "./catalogue.js";
import { type ServiceEnv, serviceEnv } from "./env.js";
import { CardServiceService } from "./generated/cardmesh/v1/card_service.js";
import { Logger } from "./log.js";
import { ServiceMetrics, serveMetrics } from "./metrics.js";
import type { CardProvider } from "./provider.js";
import { cardService } from "./server.js";
import { Tracing } from "./trace.js";

/** The gRPC service name health reports, besides `""` (the whole server). */
export const CARD_SERVICE_NAME = "cardmesh.v1.CardService";

/** How long a shutdown waits for in-flight calls before cutting them off: 10 s. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** A running card service. */
export interface RunningService {
  /** The bound gRPC port (useful with port 0). */
  port: number;
  /** The bound metrics port, when the metrics listener is on. */
  metricsPort?: number;
  /** Reports NOT_SERVING, stops accepting calls, lets in-flight calls finish (at most
   * {@link SHUTDOWN_GRACE_MS}), then closes the metrics listener and sends the last spans. */
  shutdown(): Promise<void>;
}

/** Options of {@link startService}; each defaults to what {@link serve} uses. */
export interface StartOptions {
  /** Default: read from the environment ({@link serviceEnv}). */
  env?: ServiceEnv;
  logger?: Logger;
  /** Default: from the `OTEL_*` variables. */
  tracing?: Tracing;
}

/** Rejects card keys outside the catalogue's pattern, duplicate keys, TTLs Plain refuses, a
 * provider that implements neither `card` nor `getCards`, and bad actions (an invalid or
 * duplicate name, a changed card that is not a card key, actions without an `action`
 * handler). Returns warnings to log: a changed card the provider does not draw itself. */
export function checkSpecs(provider: CardProvider): string[] {
  const rules = catalogue();
  const pattern = new RegExp(rules.cardKey.pattern);
  const seen = new Set<string>();
  for (const spec of provider.cards) {
    if (!pattern.test(spec.key)) throw new Error(`card key ${JSON.stringify(spec.key)} does not match ${rules.cardKey.pattern}`);
    if (seen.has(spec.key)) throw new Error(`card key ${JSON.stringify(spec.key)} is declared twice`);
    seen.add(spec.key);
    const ttl = spec.defaultTtlSeconds ?? DEFAULT_TTL_SECONDS;
    const { min, max } = rules.timeToLiveSeconds;
    if (!Number.isInteger(ttl) || ttl < min || ttl > max) {
      throw new Error(`card ${JSON.stringify(spec.key)}: defaultTtlSeconds ${ttl} must be whole seconds from ${min} to ${max}`);
    }
  }
  if (provider.card === undefined && provider.getCards === undefined) {
    throw new Error("implement card(key, ctx) or getCards(keys, ctx)");
  }
  const actions = provider.actions ?? [];
  const warnings = checkActions(actions, provider.cards.map((spec) => spec.key), rules.cardKey.pattern);
  if (actions.length > 0 && provider.action === undefined) throw new Error("the provider declares actions: implement action(name, ctx)");
  return warnings;
}

/** Serves `provider` with the given settings. Rejects, naming the problem, on a bad card
 * declaration or a listener that cannot be bound. */
export async function startService(provider: CardProvider, options: StartOptions = {}): Promise<RunningService> {
  let warnings: string[];
  try {
    warnings = checkSpecs(provider);
  } catch (error) {
    throw new Error(`card service ${JSON.stringify(provider.name)}: ${(error as Error).message}`);
  }
  const env = options.env ?? serviceEnv();
  const logger = options.logger ?? new Logger();
  for (const warning of warnings) logger.warn(warning, { service: provider.name });
  const tracing = options.tracing ?? new Tracing(provider.name);
  const actions = (provider.actions ?? []).map((spec) => spec.name);
  const metrics = new ServiceMetrics(provider.cards.map((spec) => spec.key), actions);

  const server = new Server();
  const health = new HealthImplementation({ "": "SERVING", [CARD_SERVICE_NAME]: "SERVING" });
  health.addToServer(server);
  server.addService(CardServiceService, cardService(provider, { logger, metrics, tracing }));

  const credentials =
    env.tls === undefined
      ? ServerCredentials.createInsecure()
      : ServerCredentials.createSsl(
          env.tls.clientCa ?? null,
          [{ cert_chain: env.tls.certChain, private_key: env.tls.privateKey }],
          env.tls.clientCa !== undefined,
        );
  const host = env.listen.host.includes(":") ? `[${env.listen.host}]` : env.listen.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${env.listen.port}`, credentials, (error, bound) => {
      if (error === null) resolve(bound);
      else reject(new Error(`cannot listen on ${host}:${env.listen.port} (CARDMESH_SERVICE_LISTEN): ${error.message}`));
    });
  });
  let metricsServer: HttpServer | undefined;
  if (env.metrics !== undefined) {
    try {
      metricsServer = await serveMetrics(metrics, env.metrics.host, env.metrics.port);
    } catch (error) {
      server.forceShutdown();
      throw new Error(`cannot listen on ${env.metrics.host}:${env.metrics.port} (CARDMESH_SERVICE_METRICS_LISTEN): ${(error as Error).message}`);
    }
  }
  const metricsAddress = metricsServer?.address();
  const metricsPort = typeof metricsAddress === "object" && metricsAddress !== null ? metricsAddress.port : undefined;
  logger.info("card service listening", {
    service: provider.name,
    listen: `${host}:${port}`,
    metrics: metricsPort === undefined ? "off" : `${env.metrics?.host ?? ""}:${metricsPort}`,
    cards: provider.cards.map((spec) => spec.key),
    actions,
    tls: env.tls !== undefined,
    mtls: env.tls?.clientCa !== undefined,
    tracing: tracing.enabled ? (Tracing.endpoint() ?? "on") : "off",
  });

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      health.setStatus("", "NOT_SERVING");
      health.setStatus(CARD_SERVICE_NAME, "NOT_SERVING");
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await new Promise<void>((resolve) => (metricsServer === undefined ? resolve() : metricsServer.close(() => resolve())));
      await tracing.shutdown();
      logger.info("card service stopped", { service: provider.name });
    })();
    return stopping;
  };
  const running: RunningService = { port, shutdown };
  if (metricsPort !== undefined) running.metricsPort = metricsPort;
  return running;
}

/**
 * Runs `provider` as a card service process until SIGTERM or SIGINT:
 *
 * - listens on `CARDMESH_SERVICE_LISTEN` (default `0.0.0.0:50051`);
 * - serves TLS when `CARDMESH_SERVICE_TLS_CERT_FILE` and `CARDMESH_SERVICE_TLS_KEY_FILE`
 *   are set, requiring client certificates chaining to `CARDMESH_SERVICE_TLS_CLIENT_CA_FILE`
 *   when that is set too;
 * - serves Prometheus metrics on `GET /metrics` of `CARDMESH_SERVICE_METRICS_LISTEN` when set
 *   (default: off);
 * - exports spans over OTLP/gRPC per the standard `OTEL_*` variables (see {@link Tracing});
 * - serves `cardmesh.v1.CardService` and `grpc.health.v1.Health` (`SERVING` for `""` and
 *   `cardmesh.v1.CardService`);
 * - on a signal, reports `NOT_SERVING`, stops accepting calls, lets in-flight calls finish,
 *   sends the last spans and exits 0.
 *
 * A bad setting is logged (naming the variable) and the process exits 1.
 */
export async function serve(provider: CardProvider): Promise<void> {
  const logger = new Logger();
  let running: RunningService;
  try {
    running = await startService(provider, { logger });
  } catch (error) {
    logger.error("card service cannot start", { service: provider.name, error: (error as Error).message });
    process.exit(1);
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info("shutdown signal received, draining in-flight calls", { service: provider.name, signal });
      running.shutdown().then(resolve, resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  process.exit(0);
}
