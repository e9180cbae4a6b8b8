// Waiting on a condition with a deadline (never a bare sleep as synchronisation).

/**
 * Polls `condition` every 50 ms until it returns true; fails after `timeoutMs`, naming
 * `what` was awaited.
 * @param {string} what
 * @param {() => Promise<boolean> | boolean} condition
 * @param {number} timeoutMs
 */
export async function waitFor(what, condition, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}
