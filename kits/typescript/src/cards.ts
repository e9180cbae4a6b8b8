/**
 * What a provider declares ({@link CardSpec}) and what it answers ({@link CardAnswer},
 * built with {@link Card}).
 */
import { CardScope, type CardDefinition } from "./generated/cardmesh/v1/card_service.js";

/** What a card's data depends on; the gateway caches one copy per value of the scope. */
export type Scope = "customer" | "thread" | "tenant";

/** One card, as `Describe` announces it to the gateway. */
export interface CardSpec {
  /** The Plain card key, matching the catalogue's `cardKey.pattern` (`[a-zA-Z0-9_-]+`). */
  key: string;
  /** Human title, for docs and logs. */
  title: string;
  /**
   * How long the gateway may cache a drawn card when the answer sets no TTL of its own, in
   * whole seconds. Default {@link DEFAULT_TTL_SECONDS} (300); Plain accepts 15 s to 1 year.
   */
  defaultTtlSeconds?: number;
  /** Default `"customer"`. */
  scope?: Scope;
}

/** The default TTL of a card: 300 seconds. */
export const DEFAULT_TTL_SECONDS = 300;

/** A Plain component as the `uiComponent.*` builders return it (`{ componentText: {...} }`). */
export type PlainComponent = Record<string, unknown>;

/** The answer for one card and one customer. */
export type CardAnswer =
  | { kind: "components"; components: PlainComponent[]; ttlSeconds?: number }
  | { kind: "noData" }
  | { kind: "error"; reason: string };

/** What `card()` may return: an answer, or the bare components array (default TTL), or
 * `null` for no data. */
export type CardReturn = CardAnswer | PlainComponent[] | null;

/** Builds {@link CardAnswer}s. */
export const Card = {
  /** The card's components (from `uiComponent.*`), optionally with a TTL for this answer. */
  components(components: PlainComponent[], options: { ttlSeconds?: number } = {}): CardAnswer {
    return options.ttlSeconds === undefined
      ? { kind: "components", components }
      : { kind: "components", components, ttlSeconds: options.ttlSeconds };
  },
  /** No data for this customer: Plain hides the card. */
  noData(): CardAnswer {
    return { kind: "noData" };
  },
  /** The card could not be drawn; the gateway serves a cached or fallback card. Keep customer
   * data such as emails out of `reason`. */
  error(reason: string): CardAnswer {
    return { kind: "error", reason };
  },
};

/** Normalises what `card()` returned. */
export function toAnswer(value: CardReturn): CardAnswer {
  if (value === null || value === undefined) return Card.noData();
  if (Array.isArray(value)) return Card.components(value);
  const kind = (value as { kind?: unknown }).kind;
  if (kind === "components" || kind === "noData" || kind === "error") return value;
  return Card.error("card() returned neither components, null, Card.noData() nor Card.error(...)");
}

const SCOPES: Record<Scope, CardScope> = {
  customer: CardScope.CARD_SCOPE_CUSTOMER,
  thread: CardScope.CARD_SCOPE_THREAD,
  tenant: CardScope.CARD_SCOPE_TENANT,
};

/** The `Describe` entry of `spec`. */
export function toDefinition(spec: CardSpec): CardDefinition {
  return {
    key: spec.key,
    title: spec.title,
    defaultTtlSeconds: spec.defaultTtlSeconds ?? DEFAULT_TTL_SECONDS,
    scope: SCOPES[spec.scope ?? "customer"],
  };
}
