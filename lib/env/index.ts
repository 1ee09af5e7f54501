import { ENV_SCHEMA, type Env } from "./schema";

export type { Env };

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Biblio cannot start: ${problems.length} environment variable(s) need fixing.\n` +
        problems.map((p) => `  - ${p}`).join("\n") +
        "\nSet them in the environment or .env.local (see .env.example), or run `./dev/up`, which sets local defaults.",
    );
    this.name = "EnvError";
  }
}

/** Parses a raw environment; pure, so tests can feed it any record. */
export function parseEnv(raw: Record<string, string | undefined>): Env {
  const result = ENV_SCHEMA.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".") || "(environment)";
    const value = raw[name];
    const what = value === undefined || value === "" ? "is missing" : "is malformed";
    const detail = issue.code === "invalid_type" ? "" : `: ${issue.message}`;
    return `${name} ${what}${detail}`;
  });
  throw new EnvError(problems);
}

let cached: Env | undefined;

/** The validated environment of this process, parsed once. */
export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
