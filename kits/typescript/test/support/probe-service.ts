/**
 * A card service process for the tests: `serve()` with everything from the environment.
 * Card `slow` prints `{"drawing":"slow"}` on stdout, then answers after PROBE_DRAW_MS (so a
 * test can signal the process while a call is in flight).
 */
import { uiComponent } from "@team-plain/ui-components";

import { serve } from "../../src/index.js";

const drawMs = Number(process.env.PROBE_DRAW_MS ?? "0");

await serve({
  name: "probe",
  cards: [{ key: "slow", title: "Slow" }],
  async card(key) {
    process.stdout.write(`${JSON.stringify({ drawing: key })}\n`);
    await new Promise((resolve) => setTimeout(resolve, drawMs));
    return [uiComponent.text({ text: "drawn" })];
  },
});
