/** Paths the tests share: the package root, the repository's rules folder and the gateway. */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** kits/typescript (tests run from dist/test/). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The repository root. */
export const REPO_ROOT = resolve(PACKAGE_ROOT, "../..");
/** `rules/` (catalogue.json and fixtures/), or CARDMESH_RULES_DIR. */
export const RULES_DIR = resolve(PACKAGE_ROOT, process.env.CARDMESH_RULES_DIR || "../../rules");
/** The gateway binary the integration tests start: CARDMESH_GATEWAY_BIN, default the
 * repository's target/debug/cardmesh-gateway (`cargo build -p cardmesh-gateway`). */
export const GATEWAY_BIN = process.env.CARDMESH_GATEWAY_BIN || resolve(REPO_ROOT, "target/debug/cardmesh-gateway");
