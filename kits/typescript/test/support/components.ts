/** Cards built with Plain's own builders, shared by the tests. */
import { uiComponent } from "@team-plain/ui-components";

/** Every component, built with Plain's own builders, in a container / row where allowed. */
export function allTwelve(): Record<string, unknown>[] {
  return allOf(true);
}

/** The ten components that predate DateTime and User, nested the same way. */
export function originalTen(): Record<string, unknown>[] {
  return allOf(false);
}

function allOf(withDateTimeAndUser: boolean): Record<string, unknown>[] {
  const leaves = [
    uiComponent.text({ text: "**Pro** plan", size: "L", color: "SUCCESS" }),
    uiComponent.plainText({ text: "INV-42", size: "S", color: "MUTED" }),
    uiComponent.badge({ label: "Paid", color: "GREEN" }),
    uiComponent.linkButton({ label: "Open", url: "https://example.com/orders/1" }),
    uiComponent.copyButton({ value: "ORD-1", tooltip: "Copy order number" }),
    uiComponent.divider({ spacingSize: "M" }),
    uiComponent.spacer({ size: "XS" }),
    uiComponent.workflowButton({ label: "Refund", workflowId: "wf_1" }),
    uiComponent.dateTime({ dateTimeIso8601: "2026-03-01T09:30:00Z" }),
    uiComponent.user({ userIdentifier: { userId: "u_1" } }),
  ].slice(0, withDateTimeAndUser ? 10 : 8) as Record<string, unknown>[];
  const main = withDateTimeAndUser ? [leaves[0]!, leaves[8]!] : [leaves[0]!];
  const aside = withDateTimeAndUser ? [leaves[2]!, leaves[9]!] : [leaves[2]!];
  const row = uiComponent.row({ mainContent: main as never, asideContent: aside as never });
  const container = uiComponent.container({ content: [...leaves, row] as never });
  return [...leaves, row, container] as Record<string, unknown>[];
}

