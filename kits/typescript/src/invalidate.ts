/**
 * Reporting a change to the gateway: a card service whose data changed calls
 * {@link Invalidator.invalidate}, and the gateway drops its cached copies of the customer's
 * cards and, with its Plain API key, makes Plain reload them. The same contract as the Rust
 * kit's `Invalidator` (kits/rust/src/invalidate.rs).
 *
 * The call goes to `POST /admin/invalidate` on the gateway's admin listener, with the
 * gateway's service token. It is configured by:
 * - `CARDMESH_SERVICE_GATEWAY_ADMIN_URL`: the admin listener, e.g. `http://gateway:9090`;
 * - `CARDMESH_SERVICE_GATEWAY_ADMIN_TOKEN`: the gateway's service token
 *   (`CARDMESH_SERVICE_TOKEN`), which opens `POST /admin/invalidate` and nothing else;
 * - `CARDMESH_SERVICE_GATEWAY_ALLOW_HTTP`: `true` to accept a plain `http://` URL on another
 *   host, for a private network only (Docker Compose's `internal` network).
 *
 * The token is sent to that URL only: it must be `https://` (plain `http://` is accepted on
 * loopback, or with the variable above), redirects are not followed, and the gateway's answer
 * is read up to {@link MAX_ANSWER_BYTES}.
 *
 * Each attempt has a timeout (default 15 s: the gateway answers once Plain has answered its
 * reloads, each bounded by `plain_api.timeout`); network errors, timeouts, `429` and `5xx` are
 * retried (default 3 attempts in all, 200 ms then 400 ms apart); other refusals (`401`, `400`,
 * `404`, …) are not. Failures are logged and resolved as a result, never thrown: a gateway that
 * is down does not break the service. The token is never logged.
 */
import { setTimeout as sleep } from "node:timers/promises";

import { Logger } from "./log.js";
import { scrubServiceText } from "./scrub.js";

/** Environment variable with the gateway's admin listener URL. */
export const GATEWAY_ADMIN_URL_ENV = "CARDMESH_SERVICE_GATEWAY_ADMIN_URL";
/** Environment variable with the gateway's service token (`CARDMESH_SERVICE_TOKEN`). */
export const GATEWAY_ADMIN_TOKEN_ENV = "CARDMESH_SERVICE_GATEWAY_ADMIN_TOKEN";
/** Environment variable that accepts a plain `http://` admin URL on another host (`true`). */
export const GATEWAY_ALLOW_HTTP_ENV = "CARDMESH_SERVICE_GATEWAY_ALLOW_HTTP";
/** The largest answer of the gateway read, in bytes (256 KiB): an invalidation's answer lists one reload per card. */
export const MAX_ANSWER_BYTES = 256 * 1024;

/** Default timeout of one attempt: 15 s. */
export const DEFAULT_INVALIDATE_TIMEOUT_MS = 15_000;
/** Default number of attempts in all: 3. */
export const DEFAULT_INVALIDATE_ATTEMPTS = 3;
/** Default pause before the second attempt (doubled after each attempt): 200 ms. */
export const DEFAULT_INVALIDATE_BACKOFF_MS = 200;

/**
 * The customer whose data changed, as the service knows them: Plain's customer id (`c_…`,
 * as in `ctx.customer.id`), or the external id Plain stores for the customer (the service's
 * own id), which the gateway looks up in Plain (it needs its Plain API key for that).
 */
export type CustomerRef = { customerId: string } | { externalId: string };

/** One Plain reload the gateway asked for after the invalidation. */
export interface Reload {
  cardKey: string;
  threadId: string | null;
  /** `reloaded`, `mutation_error`, `unknown_card`, `timeout`, `http_error`, `network_error`, `graphql_error` or `invalid_response`. */
  outcome: string;
  coalesced?: boolean;
  customerCardConfigId?: string;
  [field: string]: unknown;
}

/**
 * The gateway's answer: what it invalidated (in which Plain workspaces the customer's cards
 * were cached; `[]` when none were), and the Plain reloads (`[]` without a Plain API key).
 */
export interface InvalidateAnswer {
  invalidated: { customerId: string; cardKeys: string[] | "all"; workspaces: string[] };
  reloads: Reload[];
}

/**
 * Why an invalidation did not go through (after the retries):
 * - `refused`: the gateway answered a status that is not retried, with the `code` of its
 *   `{"error":{"code":…}}` envelope (`unknown` without one): `401 invalid_admin_token`,
 *   `400 invalid_body`, `400 invalid_field` (over 25 keys, an id over 256 characters),
 *   `404 not_found` (no service token configured on the gateway), `421
 *   misdirected_request` (the URL's host is not one the admin listener answers to),
 *   `409 cache_disabled`; for an external id `400 external_id_needs_plain_api`,
 *   `404 unknown_customer`;
 * - `unreachable`: every attempt met a network error, a timeout (`cause` `"timeout"`), a
 *   `429` or a `5xx` (`503 cache_unavailable`, `502 plain_unavailable`, …; `cause`
 *   `"HTTP 503 cache_unavailable"`); `cause` is the last attempt's;
 * - `unusable`: the URL answered something that is not the gateway's answer: a redirect (not
 *   followed, so the token goes nowhere else; `reason` names where to) or an answer over
 *   {@link MAX_ANSWER_BYTES}. Not retried.
 */
export type InvalidateError =
  | { kind: "refused"; status: number; code: string }
  | { kind: "unreachable"; attempts: number; cause: string }
  | { kind: "unusable"; status: number; reason: string };

/** What {@link Invalidator.invalidate} resolves to; it never rejects. */
export type InvalidateResult = { ok: true; answer: InvalidateAnswer } | { ok: false; error: InvalidateError };

/** Settings of an {@link Invalidator}; every one has a default. */
export interface InvalidatorOptions {
  /** Timeout of one attempt, connecting to reading the answer (default 15 000 ms). */
  timeoutMs?: number;
  /** Attempts in all, at least 1 (default 3). */
  attempts?: number;
  /** Pause before the second attempt, doubled after each attempt (default 200 ms). */
  backoffMs?: number;
  /** Where the outcome of every call is logged (default a {@link Logger} on stdout). */
  logger?: Logger;
  /**
   * Accept a plain `http://` URL on another host: only on a private network, where the token
   * may cross in clear text (default false; `fromEnv` reads {@link GATEWAY_ALLOW_HTTP_ENV}).
   */
  allowHttp?: boolean;
}

/** The message of an {@link InvalidateError}, as the Rust kit words it. */
export function describeInvalidateError(error: InvalidateError): string {
  switch (error.kind) {
    case "refused":
      return `the gateway refused the invalidation: HTTP ${error.status} ${error.code}`;
    case "unreachable":
      return `the gateway could not be reached after ${error.attempts} attempts: ${error.cause}`;
    case "unusable":
      return `the gateway's answer cannot be used: HTTP ${error.status}, ${error.reason}`;
  }
}

/**
 * Why the token must not be sent to `adminUrl`, or `undefined` when it may: `https://`, or
 * `http://` on loopback (`127.0.0.1`, `[::1]`, `localhost`), or `http://` anywhere with
 * `allowHttp`. A string that is not a URL is left to fail when called, as before.
 */
export function adminUrlRefusal(adminUrl: string, allowHttp = false): string | undefined {
  let url: URL;
  try {
    url = new URL(adminUrl.trim());
  } catch {
    return undefined;
  }
  if (url.protocol === "https:") return undefined;
  if (url.protocol !== "http:") return `${JSON.stringify(adminUrl)} cannot be the gateway's admin URL (${GATEWAY_ADMIN_URL_ENV}): the scheme ${url.protocol}// is neither https:// nor http://`;
  const host = url.hostname.toLowerCase();
  const loopback = host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
  if (loopback || allowHttp) return undefined;
  return `${JSON.stringify(adminUrl)} cannot be the gateway's admin URL (${GATEWAY_ADMIN_URL_ENV}): plain http:// to another host would send the admin token in clear text; use https://, or set ${GATEWAY_ALLOW_HTTP_ENV}=true on a private network`;
}

/**
 * Sends invalidations to one gateway. Build it with {@link Invalidator.fromEnv} (nothing while
 * unconfigured) or `new Invalidator(adminUrl, token, options)`.
 *
 * ```ts
 * const invalidator = Invalidator.fromEnv(); // undefined while unconfigured
 * await invalidator?.invalidate({ externalId: "cus_demo_1" }, ["subscription-status"]);
 * ```
 */
export class Invalidator {
  readonly #url: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #backoffMs: number;
  readonly #logger: Logger;

  /**
   * An invalidator for the admin listener at `adminUrl` (e.g. `https://gateway:9090`, or
   * `http://127.0.0.1:9090`), authenticated with `token`: 3 attempts of 15 s, 200 ms then
   * 400 ms apart, unless `options` says otherwise. Throws a `TypeError` for a URL the token
   * must not go to ({@link adminUrlRefusal}): a configuration mistake, found at start.
   */
  constructor(adminUrl: string, token: string, options: InvalidatorOptions = {}) {
    const refusal = adminUrlRefusal(adminUrl, options.allowHttp ?? false);
    if (refusal !== undefined) throw new TypeError(refusal);
    this.#url = `${adminUrl.trim().replace(/\/+$/, "")}/admin/invalidate`;
    this.#token = token;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_INVALIDATE_TIMEOUT_MS;
    this.#attempts = Math.max(1, Math.floor(options.attempts ?? DEFAULT_INVALIDATE_ATTEMPTS));
    this.#backoffMs = options.backoffMs ?? DEFAULT_INVALIDATE_BACKOFF_MS;
    this.#logger = options.logger ?? new Logger();
  }

  /**
   * An invalidator from {@link GATEWAY_ADMIN_URL_ENV}, {@link GATEWAY_ADMIN_TOKEN_ENV} and
   * {@link GATEWAY_ALLOW_HTTP_ENV} in `env`, or `undefined` when either of the first two is
   * unset or blank (logged at info) or the URL is refused (logged at error, with the reason):
   * the service then reports nothing.
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, options: InvalidatorOptions = {}): Invalidator | undefined {
    const read = (name: string): string | undefined => {
      const value = env[name]?.trim();
      return value === undefined || value === "" ? undefined : value;
    };
    const url = read(GATEWAY_ADMIN_URL_ENV);
    const token = read(GATEWAY_ADMIN_TOKEN_ENV);
    const logger = options.logger ?? new Logger();
    if (url === undefined || token === undefined) {
      logger.info(`${GATEWAY_ADMIN_URL_ENV} or ${GATEWAY_ADMIN_TOKEN_ENV} is unset: changes are not reported to the gateway`);
      return undefined;
    }
    const allowHttp = options.allowHttp ?? ["true", "1", "yes", "on"].includes(read(GATEWAY_ALLOW_HTTP_ENV)?.toLowerCase() ?? "");
    const refusal = adminUrlRefusal(url, allowHttp);
    if (refusal !== undefined) {
      logger.error("changes are not reported to the gateway", { error: refusal });
      return undefined;
    }
    return new Invalidator(url, token, { ...options, allowHttp });
  }

  /** The endpoint called: `<adminUrl>/admin/invalidate`. */
  get url(): string {
    return this.#url;
  }

  /** Never shows the token. */
  toJSON(): { url: string; token: string } {
    return { url: this.#url, token: "[redacted]" };
  }

  /**
   * Tells the gateway that `customer`'s `cardKeys` changed (all of the customer's cards when
   * left out). Resolves to `{ ok: true, answer }` with the gateway's answer (`invalidated`,
   * and the Plain `reloads`), or `{ ok: false, error }` after the retries; the outcome is
   * logged either way. Never rejects.
   */
  async invalidate(customer: CustomerRef, cardKeys?: readonly string[]): Promise<InvalidateResult> {
    const body: Record<string, unknown> = "customerId" in customer ? { customerId: customer.customerId } : { externalId: customer.externalId };
    if (cardKeys !== undefined) body.cardKeys = [...cardKeys];
    let result: InvalidateResult;
    try {
      result = await this.#send(JSON.stringify(body));
    } catch (error) {
      result = { ok: false, error: { kind: "unreachable", attempts: this.#attempts, cause: causeOf(error) } };
    }
    try {
      const fields = {
        ...("customerId" in customer ? { customer_id: customer.customerId } : { external_id: customer.externalId }),
        card_keys: cardKeys === undefined ? undefined : [...cardKeys],
      };
      if (result.ok) {
        this.#logger.info("change reported to the gateway", fields);
      } else {
        const { error } = result;
        // The gateway's code and a network error's text come from elsewhere: logged scrubbed.
        this.#logger.warn("cannot report a change to the gateway", {
          ...fields,
          error: scrubServiceText(describeInvalidateError(error)),
          ...(error.kind === "refused"
            ? { status: error.status, code: scrubServiceText(error.code) }
            : error.kind === "unusable"
              ? { status: error.status, reason: scrubServiceText(error.reason) }
              : { attempts: error.attempts, cause: scrubServiceText(error.cause) }),
        });
      }
    } catch {
      // A logger that fails must not break the service either.
    }
    return result;
  }

  async #send(body: string): Promise<InvalidateResult> {
    let pause = this.#backoffMs;
    let cause = "";
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      if (attempt > 1) {
        await sleep(pause);
        pause *= 2;
      }
      const signal = AbortSignal.timeout(this.#timeoutMs);
      let response: Response;
      try {
        response = await fetch(this.#url, {
          method: "POST",
          headers: { authorization: `Bearer ${this.#token}`, "content-type": "application/json", accept: "application/json" },
          body,
          signal,
          // A redirect is answered as it is, never followed: the token goes to this URL only.
          redirect: "manual",
        });
      } catch (error) {
        cause = causeOf(error);
        continue;
      }
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel().catch(() => undefined);
        const location = response.headers.get("location") ?? "nowhere (no Location)";
        const reason = `a redirect to ${location}, not followed: point ${GATEWAY_ADMIN_URL_ENV} at the admin listener itself`;
        return { ok: false, error: { kind: "unusable", status: response.status, reason } };
      }
      const text = await readCapped(response);
      if (text === TOO_LARGE) {
        return { ok: false, error: { kind: "unusable", status: response.status, reason: `the answer is larger than ${MAX_ANSWER_BYTES} bytes` } };
      }
      // Like the Rust kit: an answer that cannot be read (or is not JSON) counts as `null`.
      const answer = parseJson(text);
      if (response.ok) return { ok: true, answer: answer as InvalidateAnswer };
      const code = errorCode(answer);
      if (response.status >= 500 || response.status === 429) {
        cause = `HTTP ${response.status} ${code}`;
        continue;
      }
      return { ok: false, error: { kind: "refused", status: response.status, code } };
    }
    return { ok: false, error: { kind: "unreachable", attempts: this.#attempts, cause } };
  }
}

/** What {@link readCapped} gives for an answer over {@link MAX_ANSWER_BYTES}. */
const TOO_LARGE = Symbol("too large");

/**
 * The body of `response` as text, or {@link TOO_LARGE} once it passes {@link MAX_ANSWER_BYTES}
 * (reading stops there); `undefined` when it cannot be read.
 */
async function readCapped(response: Response): Promise<string | undefined | typeof TOO_LARGE> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > MAX_ANSWER_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    return TOO_LARGE;
  }
  if (response.body === null) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > MAX_ANSWER_BYTES) {
        await response.body.cancel().catch(() => undefined);
        return TOO_LARGE;
      }
      chunks.push(chunk);
    }
  } catch {
    return undefined;
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** `text` parsed as JSON, or `null`. */
function parseJson(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** `answer.error.code`, or `unknown`. */
function errorCode(answer: unknown): string {
  const code = (answer as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === "string" ? code : "unknown";
}

/** A short cause for a failed fetch: `timeout`, or the error with its underlying cause. */
function causeOf(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return "timeout";
  if (error instanceof Error) {
    const inner = (error as Error & { cause?: unknown }).cause;
    if (inner instanceof Error) {
      if (inner.name === "TimeoutError" || inner.name === "AbortError") return "timeout";
      return `${error.message}: ${inner.message}`;
    }
    return error.message;
  }
  return String(error);
}
