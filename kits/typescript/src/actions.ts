/**
 * Card actions: what a provider declares ({@link ActionSpec}), what an action runs with
 * ({@link ActionContext}) and what it answers ({@link ActionOutcome}, built with
 * {@link Action}).
 *
 * An action is what a `componentWorkflowButton` on a card runs: Plain runs a workflow whose
 * "Send HTTP request" step POSTs to the gateway's `/actions/{name}`, and the gateway calls
 * `RunAction` on the service that declared the name.
 */
import type { ActionDefinition, RunActionRequest, RunActionResponse } from "./generated/cardmesh/v1/card_service.js";
import { type Customer, type PlainRef, customerFrom, refFrom } from "./context.js";
import { scrubServiceText } from "./scrub.js";

/** The pattern of an action name (the `{name}` of the gateway's `/actions/{name}`). */
export const ACTION_NAME_PATTERN = "[a-z0-9][a-z0-9-]*";
/** The longest action name, in bytes: 64. */
export const MAX_ACTION_NAME_BYTES = 64;

const ACTION_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** One action, as `Describe` announces it to the gateway. */
export interface ActionSpec {
  /** The name in the gateway's URL `/actions/{name}`: {@link ACTION_NAME_PATTERN}, at most 64
   * bytes, unique across all services of one gateway. */
  name: string;
  /** One line saying what the action does, for the preview page and logs. */
  description: string;
  /** The card keys whose data the action changes: after it succeeds the gateway drops their
   * cached copies for the customer and asks Plain to reload them. Default: none. */
  changesCards?: string[];
}

/** Everything an action may use. */
export interface ActionContext {
  /** The action's name, as declared. */
  action: string;
  /** The `Plain-Workspace-Id` of Plain's request (empty when absent). */
  workspaceId: string;
  /** The customer the action is for; the gateway found it from what the workflow sent. */
  customer: Customer;
  /** The thread, when the workflow sent a thread id. */
  thread?: PlainRef;
  /** The workflow's JSON body, parsed (`null` when the gateway sent none). Read the action's
   * own inputs from it. */
  body: unknown;
  /** The same body exactly as Plain sent it. */
  bodyJson: string;
  /** The same for every delivery of one request (Plain's retries carry the same key). The
   * gateway keeps each delivery's outcome (succeeded or refused) for its idempotency window,
   * but an attempt whose outcome it did not keep (after a failure, a deadline or a broken call
   * the service may have finished, a gateway restart, or after the window) reaches the service
   * again: make the effect idempotent with this key in your own system. */
  idempotencyKey: string;
  /** True when the action runs from the gateway's preview page against a test customer, not
   * from Plain: change no real data. */
  preview: boolean;
  /** The trace id of the call (the gateway's, from `traceparent`, when it sent one). */
  traceId: string;
}

/** What an action answers. Every text goes out scrubbed (emails become `[email]`, control
 * characters are escaped, at most 200 characters). */
export type ActionOutcome =
  /** Done: a short message for the agent. The gateway answers Plain 200 and reloads the cards
   * the action changes. */
  | { kind: "succeeded"; message: string }
  /** Will not run for this input; a retry would not help. The gateway answers 422 (not
   * retried). The reason is safe to show an agent. */
  | { kind: "refused"; reason: string }
  /** Could not run now; a retry may help. The gateway answers 503 (Plain retries). */
  | { kind: "failed"; reason: string };

/** What `action()` may return: an outcome, or a bare string (a success message). */
export type ActionReturn = ActionOutcome | string;

/** Builds {@link ActionOutcome}s. */
export const Action = {
  /** The action did what it was asked: `message` for the agent (no secrets). */
  succeeded(message: string): ActionOutcome {
    return { kind: "succeeded", message };
  },
  /** The action will not run for this input, because of `reason`; not retried. */
  refused(reason: string): ActionOutcome {
    return { kind: "refused", reason };
  },
  /** The action could not run now, because of `reason`; Plain retries. */
  failed(reason: string): ActionOutcome {
    return { kind: "failed", reason };
  },
};

/** Normalises what `action()` returned. */
export function toOutcome(value: ActionReturn): ActionOutcome {
  if (typeof value === "string") return Action.succeeded(value);
  const kind = (value as { kind?: unknown } | null)?.kind;
  if ((kind === "succeeded" && typeof (value as { message?: unknown }).message === "string") ||
    ((kind === "refused" || kind === "failed") && typeof (value as { reason?: unknown }).reason === "string")) {
    return value;
  }
  return Action.failed("action() returned neither a message nor Action.succeeded, refused or failed");
}

/** The `RunActionResponse` of `outcome`, its text scrubbed. */
export function toResponse(outcome: ActionOutcome): RunActionResponse {
  switch (outcome.kind) {
    case "succeeded":
      return { outcome: { $case: "succeeded", succeeded: { message: scrubServiceText(outcome.message) } } };
    case "refused":
      return { outcome: { $case: "refused", refused: { reason: scrubServiceText(outcome.reason) } } };
    case "failed":
      return { outcome: { $case: "failed", failed: { reason: scrubServiceText(outcome.reason) } } };
  }
}

/** The outcome a `RunActionResponse` carries, or `undefined` when it carries none. */
export function fromResponse(response: RunActionResponse): ActionOutcome | undefined {
  const outcome = response.outcome;
  switch (outcome?.$case) {
    case "succeeded":
      return Action.succeeded(outcome.succeeded.message);
    case "refused":
      return Action.refused(outcome.refused.reason);
    case "failed":
      return Action.failed(outcome.failed.reason);
    default:
      return undefined;
  }
}

/** The `Describe` entry of `spec`. */
export function toActionDefinition(spec: ActionSpec): ActionDefinition {
  return { name: spec.name, description: spec.description, changesCards: spec.changesCards ?? [] };
}

/** Whether `name` is a valid action name ({@link ACTION_NAME_PATTERN}, at most 64 bytes). */
export function isValidActionName(name: string): boolean {
  return ACTION_NAME.test(name) && Buffer.byteLength(name) <= MAX_ACTION_NAME_BYTES;
}

/**
 * Checks a provider's actions against its cards before it serves: throws on a name outside
 * {@link ACTION_NAME_PATTERN} or longer than 64 bytes, a name declared twice, or a changed card
 * that is not a card key (`keyPattern`). A changed card the service does not draw itself is
 * allowed (another service of the gateway may own it): returned as a warning to log.
 */
export function checkActions(actions: ActionSpec[], ownCards: string[], keyPattern: string): string[] {
  const own = new Set(ownCards);
  const key = new RegExp(keyPattern);
  const seen = new Set<string>();
  const warnings: string[] = [];
  for (const action of actions) {
    if (!isValidActionName(action.name)) {
      throw new Error(
        `action name ${JSON.stringify(action.name)} does not match ${ACTION_NAME_PATTERN} (lowercase letters, digits and dashes, at most ${MAX_ACTION_NAME_BYTES} bytes), e.g. "extend-trial"`,
      );
    }
    if (seen.has(action.name)) throw new Error(`action ${JSON.stringify(action.name)} is declared twice`);
    seen.add(action.name);
    for (const card of action.changesCards ?? []) {
      if (!key.test(card)) throw new Error(`action ${JSON.stringify(action.name)} changes card ${JSON.stringify(card)}, which does not match ${keyPattern}`);
      if (!own.has(card)) {
        warnings.push(
          `action ${JSON.stringify(action.name)} changes card ${JSON.stringify(card)}, which this service does not draw: the gateway reloads it only if another service declares it`,
        );
      }
    }
  }
  return warnings;
}

/** Why a `RunActionRequest` cannot become an {@link ActionContext}: answered `INVALID_ARGUMENT`. */
export class ActionRequestError extends Error {}

/** The context of `request`, with `traceId`. Throws {@link ActionRequestError} when the request
 * names no action, customer or idempotency key, or its body is not JSON (an empty body reads
 * as `null`). */
export function actionContextFrom(request: RunActionRequest, traceId: string): ActionContext {
  if (request.action === "") throw new ActionRequestError("RunActionRequest.action is required");
  const customer = request.customer;
  if (customer === undefined) throw new ActionRequestError("RunActionRequest.customer is required");
  if (request.idempotencyKey === "") throw new ActionRequestError("RunActionRequest.idempotency_key is required");
  let body: unknown = null;
  if (request.bodyJson.trim() !== "") {
    try {
      body = JSON.parse(request.bodyJson);
    } catch (error) {
      // The parser's message may quote the body: name only its kind.
      throw new ActionRequestError(`RunActionRequest.body_json is not JSON (${(error as Error).name})`);
    }
  }
  const ctx: ActionContext = {
    action: request.action,
    workspaceId: request.workspaceId,
    customer: customerFrom(customer),
    body,
    bodyJson: request.bodyJson,
    idempotencyKey: request.idempotencyKey,
    preview: request.preview,
    traceId,
  };
  // Not enumerable: `JSON.stringify(ctx)` and `console.log(ctx)` show neither the email
  // (customerFrom hides it) nor the body.
  Object.defineProperty(ctx, "body", { value: body, enumerable: false });
  Object.defineProperty(ctx, "bodyJson", { value: request.bodyJson, enumerable: false });
  if (request.thread !== undefined) ctx.thread = refFrom(request.thread);
  return ctx;
}
