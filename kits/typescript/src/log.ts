/**
 * Structured logs: one JSON object per line on stdout, e.g.
 * `{"timestamp":"2026-…Z","level":"WARN","message":"card could not be drawn","service":"orders","key":"last-order","customer_id":"c_1","reason":"…","trace_id":"…"}`.
 *
 * The level comes from `CARDMESH_LOG_LEVEL` (`error`, `warn`, `info`, `debug`; default
 * `info`), or from `RUST_LOG` when that is a bare level, so one setting serves every service
 * of a stack. Customer emails never reach a line: the kit never logs one, and every line is
 * scrubbed of anything shaped like an email address as a second line of defence
 * ({@link scrubEmails}: it becomes `[email]`). Text from elsewhere in a field (error
 * messages, card error reasons) is passed through {@link scrubServiceText} first.
 */

import { scrubEmails } from "./scrub.js";

/** Log levels, most severe first. */
export type Level = "error" | "warn" | "info" | "debug";

const ORDER: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** The level from `env`: `CARDMESH_LOG_LEVEL`, else a bare-level `RUST_LOG`, else `info`. */
export function levelFromEnv(env: NodeJS.ProcessEnv = process.env): Level {
  for (const value of [env.CARDMESH_LOG_LEVEL, env.RUST_LOG]) {
    const level = value?.trim().toLowerCase();
    if (level === "trace") return "debug";
    if (level !== undefined && level in ORDER) return level as Level;
  }
  return "info";
}

/** Field values a line may carry. */
export type Fields = Record<string, string | number | boolean | string[] | undefined>;

/** A JSON-lines logger. */
export class Logger {
  constructor(
    private readonly level: Level = levelFromEnv(),
    private readonly write: (line: string) => void = (line) => process.stdout.write(line),
  ) {}

  error(message: string, fields: Fields = {}): void {
    this.log("error", message, fields);
  }
  warn(message: string, fields: Fields = {}): void {
    this.log("warn", message, fields);
  }
  info(message: string, fields: Fields = {}): void {
    this.log("info", message, fields);
  }
  debug(message: string, fields: Fields = {}): void {
    this.log("debug", message, fields);
  }

  /** Whether lines of `level` are written. */
  enabled(level: Level): boolean {
    return ORDER[level] <= ORDER[this.level];
  }

  private log(level: Level, message: string, fields: Fields): void {
    if (!this.enabled(level)) return;
    const line: Record<string, unknown> = { timestamp: new Date().toISOString(), level: level.toUpperCase(), message };
    for (const [name, value] of Object.entries(fields)) {
      if (value !== undefined) line[name] = value;
    }
    this.write(`${scrubEmails(JSON.stringify(line))}\n`);
  }
}
