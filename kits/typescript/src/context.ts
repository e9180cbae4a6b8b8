/** Who a card is drawn for: {@link CardContext}, converted from a `GetCardsRequest`. */
import type { GetCardsRequest } from "./generated/cardmesh/v1/card_service.js";

/** The Plain customer a card is drawn for. */
export interface Customer {
  /** Plain's customer id, e.g. `c_01H...`. Safe to log. */
  id: string;
  /** The customer's email, absent when Plain has none. Personal data: never log it. */
  email?: string;
  /** Your own id for the customer, when it was set in Plain. */
  externalId?: string;
}

/** A Plain thread or tenant. */
export interface PlainRef {
  id: string;
  externalId?: string;
}

/** Everything a card may depend on. Read only what the card's scope allows. */
export interface CardContext {
  /** The `Plain-Workspace-Id` of the Plain request (empty when absent). */
  workspaceId: string;
  customer: Customer;
  /** The thread, when the card is shown in one. */
  thread?: PlainRef;
  /** The thread's tenant, when it has one. */
  tenant?: PlainRef;
  /** The trace id of the call (the gateway's, from `traceparent`, when it sent one). */
  traceId: string;
}

/** The context of `request`, or `undefined` when it names no customer. Empty strings count
 * as absent for the optional ids and the email. */
export function contextFrom(request: GetCardsRequest, traceId: string): CardContext | undefined {
  const customer = request.customer;
  if (customer === undefined) return undefined;
  const ctx: CardContext = { workspaceId: request.workspaceId, customer: { id: customer.id }, traceId };
  if (nonEmpty(customer.email)) {
    // Not enumerable: `JSON.stringify(ctx)` and `console.log(ctx)` never show the email.
    Object.defineProperty(ctx.customer, "email", { value: customer.email, enumerable: false });
  }
  if (nonEmpty(customer.externalId)) ctx.customer.externalId = customer.externalId;
  if (request.thread !== undefined) ctx.thread = ref(request.thread);
  if (request.tenant !== undefined) ctx.tenant = ref(request.tenant);
  return ctx;
}

function ref(value: { id: string; externalId?: string | undefined }): PlainRef {
  return nonEmpty(value.externalId) ? { id: value.id, externalId: value.externalId } : { id: value.id };
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}
