/**
 * The orders data: a JSON fixture (`fixtures/orders.json`, or the file CARDMESH_FIXTURES
 * names), parsed and checked. Each customer is found by external id first, then by email,
 * because Plain may send no email at all.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { CustomerIndex, toComponents } from "@cardmesh/kit";

import { lastOrderCard } from "./cards.js";

/** Environment variable naming a fixture file to use instead of the packaged one. */
export const FIXTURES_ENV = "CARDMESH_FIXTURES";
/** The packaged fixture. */
export const DEFAULT_FIXTURES = fileURLToPath(new URL("../../fixtures/orders.json", import.meta.url));

/** Order statuses, as the shop reports them. */
export const ORDER_STATUSES = ["processing", "shipped", "delivered", "cancelled", "refunded"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** A customer's most recent order. */
export interface Order {
  number: string;
  status: OrderStatus;
  /** Display date, e.g. `2026-04-28`. */
  placedOn: string;
  /** In the currency's minor unit (cents). */
  totalCents: number;
  /** ISO 4217 code, e.g. `USD`. */
  currency: string;
  items: number;
  /** `https://` link to the order in the shop's back office. */
  url: string;
}

/** One customer's record. `lastOrder` absent: the card has no data. */
export interface OrderRecord {
  externalId?: string;
  email?: string;
  lastOrder?: Order;
}

const RECORD_KEYS = new Set(["externalId", "email", "lastOrder"]);
const ORDER_KEYS = new Set(["number", "status", "placedOn", "totalCents", "currency", "items", "url"]);

/** Parses `json` (the fixture file's text) and checks that every record draws a valid card.
 * Errors name the record (`customers[2]`) and the field, never an email. */
export function parseFixtures(json: string): CustomerIndex<OrderRecord> {
  const file = JSON.parse(json) as { customers?: unknown };
  if (!Array.isArray(file.customers)) throw new Error('orders fixture: expected { "customers": [ ... ] }');
  const index = new CustomerIndex<OrderRecord>();
  file.customers.forEach((value: unknown, i: number) => {
    const where = `orders fixture: customers[${i}]`;
    const record = value as OrderRecord;
    for (const key of Object.keys(record)) if (!RECORD_KEYS.has(key)) throw new Error(`${where}: unknown field ${key}`);
    if (record.lastOrder !== undefined) checkOrder(record.lastOrder, where);
    index.insert(record.externalId, record.email, record);
  });
  return index;
}

function checkOrder(order: Order, where: string): void {
  for (const key of Object.keys(order)) if (!ORDER_KEYS.has(key)) throw new Error(`${where}: unknown field lastOrder.${key}`);
  if (!ORDER_STATUSES.includes(order.status)) throw new Error(`${where}: lastOrder.status must be one of ${ORDER_STATUSES.join(", ")}`);
  if (!Number.isInteger(order.totalCents) || !Number.isInteger(order.items)) throw new Error(`${where}: lastOrder.totalCents and items are whole numbers`);
  if (!/^[A-Z]{3}$/.test(order.currency)) throw new Error(`${where}: lastOrder.currency must be a 3-letter ISO code like USD`);
  if (!order.url.startsWith("https://")) throw new Error(`${where}: lastOrder.url must be an https:// URL`);
  try {
    toComponents(lastOrderCard(order));
  } catch (error) {
    throw new Error(`${where}: lastOrder draws an invalid card: ${(error as Error).message}`);
  }
}

/** The index from the file CARDMESH_FIXTURES names, or the packaged one. */
export function fixturesFromEnv(env: NodeJS.ProcessEnv = process.env): CustomerIndex<OrderRecord> {
  const path = env[FIXTURES_ENV]?.trim() || DEFAULT_FIXTURES;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read ${FIXTURES_ENV}=${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return parseFixtures(text);
  } catch (error) {
    throw new Error(`in ${path}: ${(error as Error).message}`);
  }
}
