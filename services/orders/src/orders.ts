/** The orders card service: one card, `last-order`, from the orders fixture. */
import { Card, type CardProvider, type CustomerIndex } from "@cardmesh/kit";

import { lastOrderCard } from "./cards.js";
import type { OrderRecord } from "./fixtures.js";

/** The card key. */
export const LAST_ORDER = "last-order";

/** The provider over `index` (see `fixturesFromEnv`). */
export function ordersProvider(index: CustomerIndex<OrderRecord>): CardProvider {
  return {
    name: "orders",
    cards: [{ key: LAST_ORDER, title: "Last order", defaultTtlSeconds: 300, scope: "customer" }],
    card(key, ctx) {
      if (key !== LAST_ORDER) return Card.noData();
      const order = index.find(ctx.customer)?.lastOrder;
      return order === undefined ? Card.noData() : lastOrderCard(order);
    },
  };
}
