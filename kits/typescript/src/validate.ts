/**
 * A generic validator of Plain component JSON, driven entirely by the rules catalogue
 * ({@link Catalogue}): which wrapper keys exist and where, which fields each component has,
 * their types, limits, enum values and deprecated aliases. It reports each problem with the
 * JSON path of the offending value and the catalogue's stable rule code, exactly as the Rust
 * rules crate does for the shared fixtures in `rules/fixtures/`.
 */
import { type Catalogue, type FieldRule, TOP_LEVEL, catalogue } from "./catalogue.js";

/** One problem: where (`components[0].componentText.text`) and which rule (`maxChars`). */
export interface Finding {
  path: string;
  rule: string;
  message: string;
}

/** What {@link validateComponents} found. A tree is valid when `violations` is empty. */
export interface Report {
  violations: Finding[];
  /** Deprecated aliases used (rule `deprecated`); Plain still accepts them. */
  warnings: Finding[];
}

type Json = unknown;

/** Checks a card's `components` array against the catalogue (default: the packaged one). */
export function validateComponents(components: Json, path = "components", rules: Catalogue = catalogue()): Report {
  const report: Report = { violations: [], warnings: [] };
  const walker = new Walker(rules, report);
  if (!Array.isArray(components)) {
    walker.violation(path, "type", `must be an array of components; got ${typeName(components)}`);
  } else {
    components.forEach((item, i) => walker.component(item, `${path}[${i}]`, TOP_LEVEL));
  }
  return report;
}

/** Counts Unicode scalar values, as Plain's limits do (not UTF-16 units, not bytes). */
export function charCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/** An RFC 3339 / ISO-8601 date-time with a zone (`Z` or `±hh:mm`). */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** Whether `text` is a valid RFC 3339 date-time: the shape and real calendar values. */
export function isDateTime(text: string): boolean {
  const m = DATE_TIME.exec(text);
  if (m === null) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const zoneOk = m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 60 && zoneOk;
}

/** Whether `text` is an absolute URL with a host and one of `schemes`. */
export function isUrl(text: string, schemes: string[]): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return schemes.includes(url.protocol.replace(/:$/, "")) && url.hostname !== "" && text.trim() === text;
}

function typeName(value: Json): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

class Walker {
  constructor(
    private readonly rules: Catalogue,
    private readonly report: Report,
  ) {}

  violation(path: string, rule: string, message: string): void {
    this.report.violations.push({ path, rule, message });
  }

  /** One component object found at `level`. */
  component(value: Json, path: string, level: string): void {
    const allowed = this.rules.levels[level] ?? [];
    if (!isObject(value)) {
      this.violation(path, "type", `must be a component object with exactly one of ${allowed.join(", ")}; got ${typeName(value)}`);
      return;
    }
    const present = Object.entries(value).filter(([, body]) => body !== null && body !== undefined);
    const known = present.filter(([key]) => key in this.rules.components);
    for (const [key] of present) {
      if (!(key in this.rules.components)) {
        this.violation(`${path}.${key}`, "unknownComponent", `unknown component ${JSON.stringify(key)}; expected one of ${allowed.join(", ")}`);
      }
    }
    if (known.length !== 1 && present.length === known.length) {
      const found = known.map(([key]) => key).join(", ") || "none";
      this.violation(path, "oneOf", `a component object has exactly one of ${allowed.join(", ")}; found ${found}`);
    }
    for (const [key, body] of known) {
      const bodyPath = `${path}.${key}`;
      if (!allowed.includes(key)) {
        this.violation(bodyPath, "nesting", `${key} is not allowed here; allowed: ${allowed.join(", ")}`);
      } else {
        this.body(key, body, bodyPath);
      }
    }
  }

  /** The body of component `kind`: its fields, aliases and unknown keys. */
  private body(kind: string, body: Json, path: string): void {
    const spec = this.rules.components[kind];
    if (spec === undefined) return;
    if (!isObject(body)) {
      this.violation(path, "type", `must be an object; got ${typeName(body)}`);
      return;
    }
    const aliases = spec.aliases ?? {};
    const values = new Map<string, { value: Json; path: string }>();
    for (const [key, value] of Object.entries(body)) {
      if (key in spec.fields) {
        if (value !== null && value !== undefined) values.set(key, { value, path: `${path}.${key}` });
      } else if (key in aliases) {
        // A deprecated alias stands in for its current field when that is unset; `null`
        // is absent, so an alias left null by a builder is no use of it.
        if (value === null || value === undefined) continue;
        const current = aliases[key] as string;
        this.report.warnings.push({ path: `${path}.${key}`, rule: "deprecated", message: `${key} is deprecated; use ${current}` });
        const currentValue = body[current];
        if (currentValue === null || currentValue === undefined) {
          values.set(current, { value, path: `${path}.${key}` });
        } else {
          this.violation(`${path}.${key}`, "aliasConflict", `${key} (deprecated) and ${current} are both set; keep only ${current}`);
        }
      } else {
        this.violation(`${path}.${key}`, "unknownField", `unknown field ${JSON.stringify(key)} of ${kind}; fields: ${Object.keys(spec.fields).join(", ")}`);
      }
    }
    for (const [name, rule] of Object.entries(spec.fields)) {
      const found = values.get(name);
      if (found === undefined) {
        if (rule.required === true) this.violation(`${path}.${name}`, "required", `${name} is required`);
      } else {
        this.field(rule, found.value, found.path);
      }
    }
  }

  /** One present (non-null) field value. */
  private field(rule: FieldRule, value: Json, path: string): void {
    switch (rule.type) {
      case "string": {
        if (typeof value !== "string") return this.violation(path, "type", `must be a string; got ${typeName(value)}`);
        const chars = charCount(value);
        if (rule.minChars !== undefined && chars < rule.minChars) {
          return this.violation(path, "minChars", `must have at least ${rule.minChars} characters; has ${chars}`);
        }
        if (rule.maxChars !== undefined && chars > rule.maxChars) {
          return this.violation(path, "maxChars", `must have at most ${rule.maxChars} characters; has ${chars}`);
        }
        return;
      }
      case "enum": {
        const values = this.rules.enums[rule.enum] ?? [];
        if (typeof value !== "string") return this.violation(path, "type", `must be a string, one of ${values.join(", ")}; got ${typeName(value)}`);
        if (!values.includes(value)) {
          return this.violation(path, "enum", `must be one of ${values.join(", ")}; got ${JSON.stringify(value)}`);
        }
        return;
      }
      case "url":
        if (typeof value !== "string") return this.violation(path, "type", `must be a string; got ${typeName(value)}`);
        if (!isUrl(value, rule.schemes)) {
          return this.violation(path, "url", `must be an absolute ${rule.schemes.join(" or ")} URL with a host`);
        }
        return;
      case "dateTime":
        if (typeof value !== "string") return this.violation(path, "type", `must be a string; got ${typeName(value)}`);
        if (!isDateTime(value)) {
          return this.violation(path, "dateTime", `must be an RFC 3339 date-time with a zone, e.g. 2026-03-01T09:30:00Z`);
        }
        return;
      case "oneOf":
        return this.oneOf(rule.of, value, path);
      case "list":
        if (!Array.isArray(value)) return this.violation(path, "type", `must be an array of components; got ${typeName(value)}`);
        if (rule.minItems !== undefined && value.length < rule.minItems) {
          return this.violation(path, "minItems", `needs at least ${rule.minItems} component(s); has ${value.length}`);
        }
        if (rule.maxItems !== undefined && value.length > rule.maxItems) {
          return this.violation(path, "maxItems", `allows at most ${rule.maxItems} component(s); has ${value.length}`);
        }
        value.forEach((item, i) => this.component(item, `${path}[${i}]`, rule.level));
        return;
    }
  }

  /** An object with exactly one of the keys of `of` set (others absent or null). */
  private oneOf(of: Record<string, FieldRule>, value: Json, path: string): void {
    const names = Object.keys(of);
    if (!isObject(value)) return this.violation(path, "type", `must be an object with one of ${names.join(", ")}; got ${typeName(value)}`);
    const set = Object.entries(value).filter(([, v]) => v !== null && v !== undefined);
    for (const [key] of set) {
      if (!(key in of)) this.violation(`${path}.${key}`, "unknownField", `unknown field ${JSON.stringify(key)}; fields: ${names.join(", ")}`);
    }
    const known = set.filter(([key]) => key in of);
    if (known.length !== 1) {
      return this.violation(path, "oneOf", `must have exactly one of ${names.join(", ")}; has ${known.length}`);
    }
    const [key, inner] = known[0] as [string, Json];
    this.field(of[key] as FieldRule, inner, `${path}.${key}`);
  }
}
