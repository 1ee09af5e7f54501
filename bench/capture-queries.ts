/** A statement the app sent through the pool, exactly as sent: EXPLAIN can run it again. */
export type Captured = { text: string; values: unknown[] };

/**
 * Records every statement sent through `pool.query` (the app's one DB path) into the
 * returned list; `take()` hands over what was recorded so far and starts a new list,
 * `restore()` puts the pool's own `query` back.
 */
export function captureQueries(pool: { query: unknown }): { take: () => Captured[]; restore: () => void } {
  let captured: Captured[] = [];
  const original = (pool.query as (...args: unknown[]) => Promise<unknown>).bind(pool);
  pool.query = (config: unknown, values?: unknown, ...rest: unknown[]) => {
    const text = typeof config === "string" ? config : (config as { text?: string })?.text;
    const vals = Array.isArray(values) ? values : ((config as { values?: unknown[] })?.values ?? []);
    if (text) captured.push({ text, values: vals });
    return original(config, values, ...rest);
  };
  return {
    take: () => {
      const taken = captured;
      captured = [];
      return taken;
    },
    restore: () => {
      pool.query = original;
    },
  };
}
