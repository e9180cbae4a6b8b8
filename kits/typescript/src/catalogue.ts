/**
 * Plain's rules catalogue (format version 1): the JSON file `rules/catalogue.json` that the
 * Rust rules crate generates, copied into this package as `assets/catalogue.json` by
 * `npm run build`. The validator reads every rule from it; nothing here repeats a rule.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** A field rule. `required` defaults to false; `null` counts as absent for every rule. */
export type FieldRule =
  | { type: "string"; required?: boolean; minChars?: number; maxChars?: number; markdown?: boolean }
  | { type: "enum"; required?: boolean; enum: string }
  | { type: "url"; required?: boolean; schemes: string[] }
  | { type: "dateTime"; required?: boolean }
  | { type: "oneOf"; required?: boolean; of: Record<string, FieldRule> }
  | { type: "list"; required?: boolean; level: string; minItems?: number; maxItems?: number };

/** One component: its fields and deprecated aliases (alias name to current name). */
export interface ComponentRule {
  fields: Record<string, FieldRule>;
  aliases?: Record<string, string>;
}

/** The whole catalogue. */
export interface Catalogue {
  version: 1;
  cardKey: { pattern: string; maxKeysPerRequest: number };
  timeToLiveSeconds: { min: number; max: number };
  enums: Record<string, string[]>;
  /** Which component wrapper keys may appear at each level (`component` is the top). */
  levels: Record<string, string[]>;
  /** By wrapper key, e.g. `componentText`. */
  components: Record<string, ComponentRule>;
}

/** The level of a card's top-level components. */
export const TOP_LEVEL = "component";

/** Where `npm run build` puts the copy of `rules/catalogue.json`. */
export const CATALOGUE_FILE = fileURLToPath(new URL("../../assets/catalogue.json", import.meta.url));

let loaded: Catalogue | undefined;

/** The packaged catalogue, read once. Throws with a fix when it is missing or unreadable. */
export function catalogue(): Catalogue {
  if (loaded === undefined) {
    let text: string;
    try {
      text = readFileSync(CATALOGUE_FILE, "utf8");
    } catch (error) {
      throw new Error(`cannot read ${CATALOGUE_FILE} (${String(error)}); run \`npm run build\` in kits/typescript`);
    }
    const parsed = JSON.parse(text) as Catalogue;
    if (parsed.version !== 1) {
      throw new Error(`${CATALOGUE_FILE}: catalogue version ${String(parsed.version)}; this kit reads version 1`);
    }
    loaded = parsed;
  }
  return loaded;
}
