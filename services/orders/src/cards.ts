/** Drawing `last-order` with Plain's own builders. Values from the data use `plainText`, so
 * they are never read as markdown. */
import type { PlainComponent } from "@cardmesh/kit";
import { uiComponent } from "@team-plain/ui-components";

import type { Order, OrderStatus } from "./fixtures.js";

type BadgeColor = "GREY" | "GREEN" | "YELLOW" | "RED" | "BLUE";

const BADGES: Record<OrderStatus, [string, BadgeColor]> = {
  processing: ["Processing", "BLUE"],
  shipped: ["Shipped", "YELLOW"],
  delivered: ["Delivered", "GREEN"],
  cancelled: ["Cancelled", "GREY"],
  refunded: ["Refunded", "RED"],
};

/** `12900, "USD"` -> `$129.00`; other currencies show their code: `CHF 49.00`. */
export function formatAmount(cents: number, currency: string): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const units = Math.floor(abs / 100).toLocaleString("en-US");
  const fraction = String(abs % 100).padStart(2, "0");
  const symbol: Record<string, string> = { USD: "$", EUR: "€", GBP: "£" };
  const prefix = symbol[currency];
  return prefix === undefined ? `${sign}${currency} ${units}.${fraction}` : `${sign}${prefix}${units}.${fraction}`;
}

/** `last-order`: number and status, date, total and items, a copy button and a link. */
export function lastOrderCard(order: Order): PlainComponent[] {
  const [label, color] = BADGES[order.status];
  const items = `${order.items} item${order.items === 1 ? "" : "s"}`;
  return [
    uiComponent.container({
      content: [
        uiComponent.row({
          mainContent: [uiComponent.plainText({ text: order.number, size: "L" })],
          asideContent: [uiComponent.badge({ label, color })],
        }),
        uiComponent.row({
          mainContent: [uiComponent.text({ text: "Placed on", color: "MUTED" })],
          asideContent: [uiComponent.plainText({ text: order.placedOn })],
        }),
        uiComponent.row({
          mainContent: [uiComponent.text({ text: "Total", color: "MUTED" })],
          asideContent: [uiComponent.plainText({ text: `${formatAmount(order.totalCents, order.currency)} (${items})` })],
        }),
        uiComponent.copyButton({ value: order.number, tooltip: "Copy order number" }),
        uiComponent.linkButton({ label: "View order", url: order.url }),
      ],
    }),
  ];
}
