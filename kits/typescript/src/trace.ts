/**
 * Traces: the `card_service_request` span of each `GetCards` call and the
 * `card_service_action` span of each `RunAction` call, children of the gateway's span when
 * the gateway sent W3C trace context (`traceparent` metadata).
 *
 * The standard OpenTelemetry variables decide, as for the Rust kit and the gateway: spans
 * are exported over OTLP/gRPC when `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set, unless `OTEL_SDK_DISABLED=true` or
 * `OTEL_TRACES_EXPORTER=none`. `service.name` is `OTEL_SERVICE_NAME` (or
 * `OTEL_RESOURCE_ATTRIBUTES`), else the provider's name; `OTEL_TRACES_SAMPLER`,
 * `OTEL_TRACES_SAMPLER_ARG` and `OTEL_BSP_*` are read by the SDK (default
 * `parentbased_always_on`: the service follows the gateway's decision).
 *
 * Either way every call has a `trace_id` for its log lines: the gateway's when it sent
 * `traceparent`, otherwise a random one.
 */
import { randomBytes } from "node:crypto";

import { type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";

/** One traced call. */
export interface CallTrace {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** Ends the span; `code` is the gRPC status code (0 = OK). */
  end(code: number): void;
}

/** Where spans go: nowhere (tracing off) or an exporter. */
export class Tracing {
  private readonly provider: BasicTracerProvider | undefined;
  private readonly propagator = new W3CTraceContextPropagator();

  /** Tracing from `env`; `exporter` replaces the OTLP exporter (tests). */
  constructor(serviceName: string, env: NodeJS.ProcessEnv = process.env, exporter?: SpanExporter) {
    const endpoint = (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || "").trim();
    const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true" || env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === "none";
    if ((endpoint === "" && exporter === undefined) || disabled) return;
    const resource = resourceFromAttributes({ "service.name": serviceName }).merge(detectResources({ detectors: [envDetector] }));
    this.provider = new BasicTracerProvider({
      resource,
      spanProcessors: [new BatchSpanProcessor(exporter ?? new OTLPTraceExporter({ url: endpoint }))],
    });
  }

  /** Whether spans are exported. */
  get enabled(): boolean {
    return this.provider !== undefined;
  }

  /** The OTLP endpoint, for the startup line. */
  static endpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
    return (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || "").trim() || undefined;
  }

  /** Starts the span of a `GetCards` call whose metadata held `traceparent` (or not). */
  startGetCards(traceparent: string | undefined, service: string, keys: number): CallTrace {
    return this.start("card_service_request", traceparent, { "rpc.method": "cardmesh.v1.CardService/GetCards", service, keys });
  }

  /** Starts the span of a `RunAction` call of `action` whose metadata held `traceparent` (or not). */
  startRunAction(traceparent: string | undefined, service: string, action: string): CallTrace {
    return this.start("card_service_action", traceparent, { "rpc.method": "cardmesh.v1.CardService/RunAction", service, action });
  }

  private start(name: string, traceparent: string | undefined, attributes: Record<string, string | number>): CallTrace {
    const parent: Context = this.propagator.extract(
      ROOT_CONTEXT,
      { traceparent },
      { get: (carrier, key) => (carrier as Record<string, string | undefined>)[key], keys: () => ["traceparent"] },
    );
    const remote = trace.getSpanContext(parent);
    if (this.provider === undefined) {
      const traceId = remote?.traceId ?? randomBytes(16).toString("hex");
      return { traceId, end: () => {} };
    }
    const span: Span = this.provider
      .getTracer("cardmesh-kit")
      .startSpan(name, { kind: SpanKind.SERVER, attributes: { "rpc.system": "grpc", ...attributes } }, parent);
    return {
      traceId: span.spanContext().traceId,
      end: (code) => {
        if (code !== 0) {
          span.setAttribute("rpc.grpc.status_code", code);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      },
    };
  }

  /** Exports the spans ended so far. */
  async flush(): Promise<void> {
    await this.provider?.forceFlush().catch(() => {});
  }

  /** Sends the last spans and stops exporting. */
  async shutdown(): Promise<void> {
    await this.provider?.shutdown().catch(() => {});
  }
}
