/**
 * The `cardmesh.v1.CardService` handlers around a {@link CardProvider}: `Describe` from its
 * cards and actions, `GetCards` with one result per requested key, in request order, and
 * `RunAction` with the provider's `action` (`NOT_FOUND` for a name it does not declare,
 * `INVALID_ARGUMENT` for a request without action, customer or idempotency key or with a body
 * that is not JSON; a thrown error is answered as a failed action).
 */
import { type Metadata, type ServerUnaryCall, type sendUnaryData, status } from "@grpc/grpc-js";

import { Action, ActionRequestError, type ActionOutcome, actionContextFrom, toActionDefinition, toOutcome, toResponse } from "./actions.js";
import { type CardAnswer, toDefinition } from "./cards.js";
import { catalogue } from "./catalogue.js";
import { contextFrom } from "./context.js";
import { CardError, toComponents } from "./convert.js";
import type {
  CardResult,
  CardServiceServer,
  DescribeRequest,
  DescribeResponse,
  GetCardsRequest,
  GetCardsResponse,
  RunActionRequest,
  RunActionResponse,
} from "./generated/cardmesh/v1/card_service.js";
import type { Logger } from "./log.js";
import type { ServiceMetrics } from "./metrics.js";
import { type CardProvider, drawCards } from "./provider.js";
import { scrubServiceText } from "./scrub.js";
import type { Tracing } from "./trace.js";

/** What the handlers need besides the provider. */
export interface ServerParts {
  logger: Logger;
  metrics: ServiceMetrics;
  tracing: Tracing;
}

/** A gRPC error for the callback. */
interface GrpcError {
  code: number;
  details: string;
}

/** The service implementation to add to a `@grpc/grpc-js` server. */
export function cardService(provider: CardProvider, parts: ServerParts): CardServiceServer {
  return {
    describe(_call: ServerUnaryCall<DescribeRequest, DescribeResponse>, callback: sendUnaryData<DescribeResponse>) {
      parts.metrics.describe();
      callback(null, { serviceName: provider.name, cards: provider.cards.map(toDefinition), actions: (provider.actions ?? []).map(toActionDefinition) });
    },
    getCards(call: ServerUnaryCall<GetCardsRequest, GetCardsResponse>, callback: sendUnaryData<GetCardsResponse>) {
      reply(getCards(provider, parts, call), callback);
    },
    runAction(call: ServerUnaryCall<RunActionRequest, RunActionResponse>, callback: sendUnaryData<RunActionResponse>) {
      reply(runAction(provider, parts, call), callback);
    },
  };
}

/** Answers the call with what `answer` resolves to. A rejection with a {@link GrpcError} is
 * sent as it is; any other error becomes `INTERNAL` with its message scrubbed. */
function reply<Response>(answer: Promise<Response>, callback: sendUnaryData<Response>): void {
  answer.then(
    (response) => callback(null, response),
    (error: GrpcError | Error) =>
      callback("code" in error ? error : { code: status.INTERNAL, details: scrubServiceText(`card service failed: ${error.message}`) }),
  );
}

/** The call's `traceparent` metadata (the gateway's trace context), when it holds one as text. */
function callerTraceparent(call: { metadata: Metadata }): string | undefined {
  const traceparent = call.metadata.get("traceparent")[0];
  return typeof traceparent === "string" ? traceparent : undefined;
}

async function runAction(
  provider: CardProvider,
  { logger, metrics, tracing }: ServerParts,
  call: ServerUnaryCall<RunActionRequest, RunActionResponse>,
): Promise<RunActionResponse> {
  const started = performance.now();
  const request = call.request;
  const span = tracing.startRunAction(callerTraceparent(call), provider.name, request.action);
  const refuse = (code: number, label: "invalid_argument" | "not_found" | "unimplemented", details: string): never => {
    metrics.refusedRunAction(label);
    span.end(code);
    const error: GrpcError = { code, details };
    throw error;
  };
  let ctx;
  try {
    ctx = actionContextFrom(request, span.traceId);
  } catch (error) {
    if (!(error instanceof ActionRequestError)) throw error;
    return refuse(status.INVALID_ARGUMENT, "invalid_argument", error.message);
  }
  const declared = (provider.actions ?? []).map((spec) => spec.name);
  if (!declared.includes(ctx.action)) {
    logger.warn("unknown action", { service: provider.name, action: scrubServiceText(ctx.action), known: declared, trace_id: span.traceId });
    return refuse(status.NOT_FOUND, "not_found", scrubServiceText(`this service has no action ${JSON.stringify(ctx.action)}`));
  }
  let outcome: ActionOutcome;
  const handler = provider.action;
  if (handler === undefined) {
    // Not a refusal: the gateway would keep a refusal for its idempotency window, and the
    // button would stay refused after the handler is deployed. UNIMPLEMENTED is not kept.
    logger.warn("the action is declared but the provider has no action handler", { service: provider.name, action: ctx.action, trace_id: span.traceId });
    return refuse(status.UNIMPLEMENTED, "unimplemented", scrubServiceText(`this service declares the action ${JSON.stringify(ctx.action)} but does not run it`));
  }
  try {
    outcome = toOutcome(await handler.call(provider, ctx.action, ctx));
  } catch (error) {
    // The message may carry customer data or internals: only the error's name goes out; the
    // message stays in this service's log, scrubbed.
    const name = error instanceof Error ? error.name : typeof error;
    logger.warn("the action threw", { service: provider.name, action: ctx.action, error: name, message: scrubServiceText(error instanceof Error ? error.message : String(error)), trace_id: span.traceId });
    outcome = Action.failed(`the action threw ${name}`);
  }
  const response = toResponse(outcome);
  const fields = { service: provider.name, action: ctx.action, customer_id: ctx.customer.id, preview: ctx.preview, outcome: outcome.kind, trace_id: span.traceId };
  if (response.outcome?.$case === "succeeded") logger.info("action ran", fields);
  else if (response.outcome?.$case === "refused") logger.warn("action did not run", { ...fields, reason: response.outcome.refused.reason });
  else if (response.outcome?.$case === "failed") logger.warn("action did not run", { ...fields, reason: response.outcome.failed.reason });
  metrics.runAction(ctx.action, (performance.now() - started) / 1000, outcome);
  span.end(status.OK);
  return response;
}

async function getCards(
  provider: CardProvider,
  { logger, metrics, tracing }: ServerParts,
  call: ServerUnaryCall<GetCardsRequest, GetCardsResponse>,
): Promise<GetCardsResponse> {
  const started = performance.now();
  const request = call.request;
  const span = tracing.startGetCards(callerTraceparent(call), provider.name, request.cardKeys.length);
  const ctx = contextFrom(request, span.traceId);
  if (ctx === undefined) {
    metrics.invalidGetCards();
    span.end(status.INVALID_ARGUMENT);
    const error: GrpcError = { code: status.INVALID_ARGUMENT, details: "GetCardsRequest.customer is required" };
    throw error;
  }
  const unique = [...new Set(request.cardKeys)];
  const answers = await drawCards(provider, unique, ctx);
  const byKey = new Map(unique.map((key) => [key, toResult(key, answers.get(key))]));
  const results = request.cardKeys.map((key) => byKey.get(key) as CardResult);

  for (const result of byKey.values()) {
    if (result.outcome?.$case === "error") {
      logger.warn("card could not be drawn", {
        service: provider.name,
        key: result.key,
        customer_id: ctx.customer.id,
        reason: result.outcome.error.reason,
        trace_id: span.traceId,
      });
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  logger.debug("answered GetCards", {
    service: provider.name,
    keys: request.cardKeys,
    customer_id: ctx.customer.id,
    elapsed_ms: Math.round(elapsed * 1000),
    trace_id: span.traceId,
  });
  metrics.getCards(elapsed, results);
  span.end(status.OK);
  return { results };
}

/** The proto result of one answer. Components are validated and converted here, so a tree
 * Plain would refuse becomes a card error naming its JSON path. */
export function toResult(key: string, answer: CardAnswer | undefined): CardResult {
  // A reason is often a thrown error's message: sent (and logged) scrubbed.
  const error = (reason: string): CardResult => ({ key, outcome: { $case: "error", error: { reason: scrubServiceText(reason) } } });
  if (answer === undefined) return error("the provider returned no answer for this key");
  switch (answer.kind) {
    case "noData":
      return { key, outcome: { $case: "noData", noData: {} } };
    case "error":
      return error(answer.reason);
    case "components": {
      const { min, max } = catalogue().timeToLiveSeconds;
      const ttl = answer.ttlSeconds;
      if (ttl !== undefined && !(Number.isInteger(ttl) && ttl >= min && ttl <= max)) {
        return error(`invalid card: timeToLiveSeconds ${ttl} must be whole seconds from ${min} to ${max}`);
      }
      try {
        const { components } = toComponents(answer.components);
        const result: CardResult = { key, outcome: { $case: "components", components: { components } } };
        if (ttl !== undefined) result.timeToLiveSeconds = ttl;
        return result;
      } catch (thrown) {
        return error(thrown instanceof CardError ? thrown.message : `cannot convert the card: ${String(thrown)}`);
      }
    }
  }
}
