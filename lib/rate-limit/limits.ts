/** One allowance: `points` requests per `windowSeconds`. */
export type Allowance = { points: number; windowSeconds: number };

/**
 * Every rate limit in one table. Per user for signed-in calls, per client IP when a
 * trusted proxy header is configured (TRUSTED_IP_HEADER), and `global` for what an
 * anonymous caller could otherwise repeat from many addresses. The numbers leave a
 * real uploader far below them: a 200 GiB file is 9,000 parts, signed 100 per request.
 */
export const RATE_LIMITS = {
  "uploads.create": { user: { points: 120, windowSeconds: 60 }, ip: { points: 300, windowSeconds: 60 } },
  "uploads.sign": { user: { points: 600, windowSeconds: 60 }, ip: { points: 1200, windowSeconds: 60 } },
  "uploads.complete": { user: { points: 240, windowSeconds: 60 }, ip: { points: 600, windowSeconds: 60 } },
  "uploads.abort": { user: { points: 240, windowSeconds: 60 }, ip: { points: 600, windowSeconds: 60 } },
  "uploads.read": { user: { points: 600, windowSeconds: 60 }, ip: { points: 1200, windowSeconds: 60 } },
  "projects.create": { user: { points: 30, windowSeconds: 60 }, ip: { points: 60, windowSeconds: 60 } },
  "auth.sign-in": { account: { points: 10, windowSeconds: 60 }, ip: { points: 30, windowSeconds: 60 } },
  "auth.sign-up": { ip: { points: 10, windowSeconds: 60 }, global: { points: 120, windowSeconds: 60 } },
} as const satisfies Record<string, Partial<Record<"user" | "account" | "ip" | "global", Allowance>>>;

export type RateLimitName = keyof typeof RATE_LIMITS;
export type RateLimitScope = "user" | "account" | "ip" | "global";
