/**
 * `@cardmesh/kit`: write a cardmesh card service in TypeScript.
 *
 * ```ts
 * import { uiComponent } from "@team-plain/ui-components";
 * import { Action, serve, type CardProvider } from "@cardmesh/kit";
 *
 * const provider: CardProvider = {
 *   name: "orders",
 *   cards: [{ key: "last-order", title: "Last order", defaultTtlSeconds: 300 }],
 *   card: (key, ctx) => [uiComponent.text({ text: `Hello ${ctx.customer.id}` })],
 *   // Optional: what a workflow button on a card runs (POST /actions/resync on the gateway).
 *   actions: [{ name: "resync", description: "Resyncs the last order", changesCards: ["last-order"] }],
 *   action: (name, ctx) => Action.succeeded(`Resynced for ${ctx.customer.id}`),
 * };
 * await serve(provider);
 * ```
 */
export {
  ACTION_NAME_PATTERN,
  Action,
  MAX_ACTION_NAME_BYTES,
  isValidActionName,
  type ActionContext,
  type ActionOutcome,
  type ActionReturn,
  type ActionSpec,
} from "./actions.js";
export { Card, DEFAULT_TTL_SECONDS, type CardAnswer, type CardReturn, type CardSpec, type PlainComponent, type Scope } from "./cards.js";
export { catalogue, type Catalogue } from "./catalogue.js";
export type { CardContext, Customer, PlainRef } from "./context.js";
export { CardError, toComponents } from "./convert.js";
export { CustomerIndex } from "./customer-index.js";
export * from "./env.js";
export {
  DEFAULT_INVALIDATE_ATTEMPTS,
  DEFAULT_INVALIDATE_BACKOFF_MS,
  DEFAULT_INVALIDATE_TIMEOUT_MS,
  GATEWAY_ADMIN_TOKEN_ENV,
  GATEWAY_ADMIN_URL_ENV,
  GATEWAY_ALLOW_HTTP_ENV,
  Invalidator,
  MAX_ANSWER_BYTES,
  adminUrlRefusal,
  describeInvalidateError,
  type CustomerRef,
  type InvalidateAnswer,
  type InvalidateError,
  type InvalidateResult,
  type InvalidatorOptions,
  type Reload,
} from "./invalidate.js";
export { Logger, type Level } from "./log.js";
export { CLIPPED_MARK, EMAIL_PLACEHOLDER, MAX_SERVICE_TEXT_CHARS, scrubEmails, scrubServiceText } from "./scrub.js";
export type { CardProvider } from "./provider.js";
export { CARD_SERVICE_NAME, checkSpecs, serve, startService, type RunningService, type StartOptions } from "./serve.js";
export { toResult } from "./server.js";
export { Tracing } from "./trace.js";
export { validateComponents, type Finding, type Report } from "./validate.js";
export * as proto from "./generated/cardmesh/v1/card_service.js";
