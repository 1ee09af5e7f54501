import { ApiError } from "@/lib/api/errors";
import { type CountedHit, type CounterHit, hitRateLimits, parseRateHits, RATE_HITS_JSON, rateLimitCtes } from "@/lib/db/queries/rate-limits";
import { getEnv } from "@/lib/env";
import { RATE_LIMITS, type RateLimitName, type RateLimitScope } from "./limits";

export type RateLimitSubject = Partial<Record<RateLimitScope, string | null>>;

/** About one call in this many also deletes a batch of ended windows, so the table stays small without a cron. */
const CLEANUP_EVERY = 200;

type Hit = CounterHit & { scope: RateLimitScope };

/** The counters one request of `name` by `subject` adds a point to (none when limits are off). */
function hitsFor(name: RateLimitName, subject: RateLimitSubject): Hit[] {
  const multiplier = getEnv().RATE_LIMIT_MULTIPLIER;
  if (multiplier === 0) return [];
  const limits = RATE_LIMITS[name] as Partial<Record<RateLimitScope, { points: number; windowSeconds: number }>>;
  return (Object.keys(limits) as RateLimitScope[]).flatMap((scope) => {
    const allowance = limits[scope]!;
    const id = scope === "global" ? "all" : subject[scope];
    if (!id) return [];
    return [{ key: `${name}:${scope}:${id}`, scope, max: Math.max(1, Math.floor(allowance.points * multiplier)), windowSeconds: allowance.windowSeconds }];
  });
}

/** Throws the 429 `rate_limited` ApiError (with Retry-After) when any counter is past its allowance. */
function throwIfOver(name: RateLimitName, hits: Hit[], counted: CountedHit[]): void {
  const now = Date.now();
  const over = hits
    .map((h) => ({ ...h, row: counted.find((c) => c.key === h.key) }))
    .filter((h) => h.row && h.row.points > h.max)
    .sort((a, b) => b.row!.resetAt.getTime() - a.row!.resetAt.getTime());
  const worst = over[0];
  if (!worst) return;
  const retryAfterSeconds = Math.max(1, Math.ceil((worst.row!.resetAt.getTime() - now) / 1000));
  const per = worst.scope === "global" ? "for everyone" : worst.scope === "ip" ? "from your network" : "for your account";
  throw new ApiError("rate_limited", `Too many requests ${per}: at most ${worst.max} per ${worst.windowSeconds} s. Try again in ${retryAfterSeconds} s.`, {
    limit: name,
    scope: worst.scope,
    max: worst.max,
    windowSeconds: worst.windowSeconds,
    retryAfterSeconds,
  });
}

const cleanupNow = () => Math.floor(Math.random() * CLEANUP_EVERY) === 0;

/**
 * Counts one request against every allowance of `name` that applies to `subject`, in
 * one statement, and throws a 429 `rate_limited` ApiError (with Retry-After) when any
 * is exhausted. The counters live in Postgres, so every app instance shares them.
 */
export async function consumeRateLimit(name: RateLimitName, subject: RateLimitSubject): Promise<void> {
  const hits = hitsFor(name, subject);
  if (hits.length === 0) return;
  throwIfOver(name, hits, await hitRateLimits(hits, cleanupNow()));
}

/**
 * The same count, carried inside a route's own statement so a hot route (the live
 * status poll) costs one statement, not two. The statement starts `with ${ctes}, …`,
 * gates its work on `(select ok from rate_ok)` and selects `${column} as rate_hits`;
 * `check` then gets that column and throws the same 429 as consumeRateLimit.
 */
export type InlineRateLimit = { ctes: ReturnType<typeof rateLimitCtes>; column: typeof RATE_HITS_JSON; check: (rateHits: unknown) => void };

export function inlineRateLimit(name: RateLimitName, subject: RateLimitSubject): InlineRateLimit {
  const hits = hitsFor(name, subject);
  return {
    ctes: rateLimitCtes(hits, hits.length > 0 && cleanupNow()),
    column: RATE_HITS_JSON,
    check: (rateHits) => throwIfOver(name, hits, parseRateHits(rateHits)),
  };
}
