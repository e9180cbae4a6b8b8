/**
 * From the JSON that Plain's `@team-plain/ui-components` builders return to the proto
 * `Component` messages the gateway expects. The tree is first checked with
 * {@link validateComponents}; anything Plain's rules refuse becomes a {@link CardError}
 * naming the JSON path. The conversion itself is generic too: Plain's JSON names are the
 * proto JSON names (see proto/cardmesh/v1/components.proto), with three mechanical
 * differences driven by the catalogue:
 *
 * - the wrapper key `componentPlainText` is the oneof case `plainText`;
 * - an enum value such as `S` of enum `TextSize` is the proto name `TEXT_SIZE_S`;
 * - the keys of a `oneOf` object (e.g. `userIdentifier.userId`) are proto oneof members,
 *   which proto JSON writes on the message itself.
 */
import { type Catalogue, type ComponentRule, catalogue } from "./catalogue.js";
import { Component } from "./generated/cardmesh/v1/components.js";
import { type Finding, type Report, validateComponents } from "./validate.js";

/** A card that Plain's rules refuse. `message` and `violations` name each JSON path. */
export class CardError extends Error {
  override readonly name = "CardError";
  constructor(readonly violations: Finding[]) {
    super(
      violations.length === 0
        ? "invalid card"
        : `invalid card: ${violations.map((v) => `${v.path}: ${v.message} (${v.rule})`).join("; ")}`,
    );
  }
}

/** The converted components and the warnings (deprecated aliases) met on the way. */
export interface Converted {
  components: Component[];
  warnings: Finding[];
}

/**
 * Validates `json` (a card's components, as built with `uiComponent.*`) and converts it to
 * proto components. Throws {@link CardError} when any rule is broken.
 */
export function toComponents(json: unknown, rules: Catalogue = catalogue()): Converted {
  const report: Report = validateComponents(json, "components", rules);
  if (report.violations.length > 0) throw new CardError(report.violations);
  const items = json as unknown[];
  return {
    components: items.map((item) => Component.fromJSON(protoJson(item, rules))),
    warnings: report.warnings,
  };
}

/** `componentPlainText` -> `plainText`. */
export function oneofCase(wrapperKey: string): string {
  const bare = wrapperKey.replace(/^component/, "");
  return bare.charAt(0).toLowerCase() + bare.slice(1);
}

/** `TextSize` -> `TEXT_SIZE`, the prefix of the proto enum's value names. */
export function enumPrefix(enumName: string): string {
  return enumName.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

/** One valid component object in proto JSON form. */
function protoJson(component: unknown, rules: Catalogue): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, body] of Object.entries(component as Record<string, unknown>)) {
    const spec = rules.components[key];
    if (body === null || body === undefined || spec === undefined) continue;
    out[oneofCase(key)] = protoBody(spec, body as Record<string, unknown>, rules);
  }
  return out;
}

function protoBody(spec: ComponentRule, body: Record<string, unknown>, rules: Catalogue): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const aliases = spec.aliases ?? {};
  const value = (name: string): unknown => {
    if (body[name] !== null && body[name] !== undefined) return body[name];
    const alias = Object.keys(aliases).find((a) => aliases[a] === name && body[a] !== null && body[a] !== undefined);
    return alias === undefined ? undefined : body[alias];
  };
  for (const [name, rule] of Object.entries(spec.fields)) {
    const v = value(name);
    if (v === undefined) continue;
    switch (rule.type) {
      case "enum":
        out[name] = `${enumPrefix(rule.enum)}_${String(v)}`;
        break;
      case "oneOf":
        for (const [member, inner] of Object.entries(v as Record<string, unknown>)) {
          if (inner !== null && inner !== undefined && member in rule.of) out[member] = inner;
        }
        break;
      case "list":
        out[name] = (v as unknown[]).map((item) => protoJson(item, rules));
        break;
      default:
        out[name] = v;
    }
  }
  return out;
}
