import { ApiError } from "./errors";

export type Dependency = "database" | "storage" | "queue";

const LABEL: Record<Dependency, string> = { database: "The database", storage: "File storage", queue: "The job queue" };

/** Thrown where a dependency call is bounded by hand (QStash); the driver errors are recognised below. */
export class DependencyTimeoutError extends Error {
  constructor(
    readonly dependency: Dependency,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "DependencyTimeoutError";
  }
}

/** The 503 a client sees: which dependency, never its address, query or error text. */
export function dependencyUnavailable(dependency: Dependency): ApiError {
  return new ApiError("dependency_unavailable", `${LABEL[dependency]} is not responding right now. Try again in a moment.`, { dependency, retryable: true });
}

// What the Neon driver (a port of node-postgres) and Postgres say when a bound is hit or
// the connection is gone.
const DB_MESSAGES =
  /query read timeout|timeout exceeded when trying to connect|connection terminated|connection timeout|statement timeout|canceling statement/i;
// Postgres SQLSTATEs: query_canceled, admin/crash shutdown, cannot_connect_now.
const DB_CODES = new Set(["57014", "57P01", "57P02", "57P03"]);
// Network failures the AWS SDK surfaces (Node and fetch handlers), after its own retries.
const S3_NAMES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException", "ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT"]);

/** Which dependency an error says is unavailable, or null for any other error. */
export function dependencyOf(error: unknown): Dependency | null {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DependencyTimeoutError) return e.dependency;
    const err = e as { name?: string; code?: string; message?: string; $metadata?: unknown };
    if (err.$metadata !== undefined) {
      if (S3_NAMES.has(err.name ?? "") || S3_NAMES.has(err.code ?? "")) return "storage";
      continue;
    }
    if (err.name === "TimeoutError") return "storage";
    if (DB_CODES.has(err.code ?? "") || DB_MESSAGES.test(err.message ?? "")) return "database";
  }
  return null;
}
