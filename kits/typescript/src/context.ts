/** Who a card is drawn for: {@link CardContext}, converted from a `GetCardsRequest`. */
import type { Customer as CustomerMessage, GetCardsRequest } from "./generated/cardmesh/v1/card_service.js";

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
  const ctx: CardContext = { workspaceId: request.workspaceId, customer: customerFrom(customer), traceId };
  if (request.thread !== undefined) ctx.thread = refFrom(request.thread);
  if (request.tenant !== undefined) ctx.tenant = refFrom(request.tenant);
  return ctx;
}

/** The {@link Customer} of a request's `customer` (a `GetCardsRequest`'s or a
 * `RunActionRequest`'s). Empty strings count as absent for the email and the external id.
 * The email is not enumerable: `JSON.stringify` and `console.log` of the customer, or of a
 * context holding it, never show it. Its properties are defined in the order `id`, `email`,
 * `externalId`. */
export function customerFrom(customer: CustomerMessage): Customer {
  const converted: Customer = { id: customer.id };
  if (nonEmpty(customer.email)) {
    Object.defineProperty(converted, "email", { value: customer.email, enumerable: false });
  }
  if (nonEmpty(customer.externalId)) converted.externalId = customer.externalId;
  return converted;
}

/** The {@link PlainRef} of a request's thread or tenant: an empty external id counts as absent. */
export function refFrom(value: { id: string; externalId?: string | undefined }): PlainRef {
  return nonEmpty(value.externalId) ? { id: value.id, externalId: value.externalId } : { id: value.id };
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}
