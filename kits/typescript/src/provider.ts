/** The one interface a card service implements: {@link CardProvider}. */
import { type CardAnswer, type CardReturn, type CardSpec, Card, toAnswer } from "./cards.js";
import type { ActionContext, ActionReturn, ActionSpec } from "./actions.js";
import type { CardContext } from "./context.js";

/**
 * A card service's domain code: its name, its cards, and how to draw them; optionally its
 * actions (what a workflow button on a card runs) and how to run one. Implement
 * `card` (one key at a time; the kit draws the requested keys concurrently) or `getCards`
 * (all keys of one call at once, to batch backend calls). Serve it with `serve(provider)`.
 */
export interface CardProvider {
  /** A short name for logs and metrics, e.g. `"orders"`. */
  name: string;
  /** The cards this provider draws. Keys must be unique. */
  cards: CardSpec[];
  /** Draws card `key` for `ctx`: components, `null` / `Card.noData()` when the customer has
   * nothing to show, `Card.error(reason)` (or a thrown error) when the data is unavailable. */
  card?(key: string, ctx: CardContext): CardReturn | Promise<CardReturn>;
  /** Draws several cards at once; a key missing from the result becomes a card error. */
  getCards?(keys: string[], ctx: CardContext): Promise<Map<string, CardReturn> | Record<string, CardReturn>>;
  /** The actions this provider runs. Names match `[a-z0-9][a-z0-9-]*` (at most 64 bytes) and
   * are unique. Default: none. */
  actions?: ActionSpec[];
  /** Runs action `name` (one of `actions`; any other name is answered `NOT_FOUND` without
   * calling this) for `ctx`: `Action.succeeded(message)` (or the bare message),
   * `Action.refused(reason)` when a retry would not help, `Action.failed(reason)` (or a
   * thrown error) when it may. When `ctx.preview` is set, change no real data. */
  action?(name: string, ctx: ActionContext): ActionReturn | Promise<ActionReturn>;
}

/**
 * The answers for `keys` (distinct, in request order). Keys the provider does not declare
 * get no data; a `card` that throws gets a card error with the error's message.
 */
export async function drawCards(provider: CardProvider, keys: string[], ctx: CardContext): Promise<Map<string, CardAnswer>> {
  const declared = new Set(provider.cards.map((spec) => spec.key));
  const answers = new Map<string, CardAnswer>();
  const wanted = keys.filter((key) => {
    if (!declared.has(key)) answers.set(key, Card.noData());
    return declared.has(key);
  });
  if (provider.getCards !== undefined) {
    let batch: Map<string, CardReturn> | Record<string, CardReturn>;
    try {
      batch = await provider.getCards(wanted, ctx);
    } catch (error) {
      for (const key of wanted) answers.set(key, Card.error(reasonOf(error)));
      return answers;
    }
    const entries = batch instanceof Map ? [...batch.entries()] : Object.entries(batch);
    const got = new Map(entries);
    for (const key of wanted) {
      answers.set(key, got.has(key) ? toAnswer(got.get(key) ?? null) : Card.error("the provider returned no answer for this key"));
    }
    return answers;
  }
  const card = provider.card;
  if (card === undefined) throw new Error(`card service ${provider.name}: implement card(key, ctx) or getCards(keys, ctx)`);
  const drawn = await Promise.all(
    wanted.map(async (key) => {
      try {
        return toAnswer(await card.call(provider, key, ctx));
      } catch (error) {
        return Card.error(reasonOf(error));
      }
    }),
  );
  wanted.forEach((key, i) => answers.set(key, drawn[i] as CardAnswer));
  return answers;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
