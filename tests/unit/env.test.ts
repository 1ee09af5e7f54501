import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/env";

const VALID = {
  BETTER_AUTH_SECRET: "x".repeat(32),
  POSTGRES_URL: "postgres://u:p@127.0.0.1:5432/biblio",
  S3_ACCESS_KEY_ID: "key",
  S3_SECRET_ACCESS_KEY: "secret",
  S3_BUCKET: "biblio-uploads",
  QSTASH_TOKEN: "token",
  QSTASH_CURRENT_SIGNING_KEY: "sig_a",
  QSTASH_NEXT_SIGNING_KEY: "sig_b",
};

function problemsOf(raw: Record<string, string | undefined>): string[] {
  try {
    parseEnv(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as EnvError).problems;
  }
  throw new Error("expected parseEnv to throw");
}

describe("parseEnv", () => {
  it("accepts a complete environment and applies defaults", () => {
    const env = parseEnv(VALID);
    expect(env.APP_URL).toBe("http://localhost:3000");
    expect(env.S3_REGION).toBe("us-east-1");
    expect(env.S3_FORCE_PATH_STYLE).toBe(false);
    expect(env.QSTASH_URL).toBe("https://qstash.upstash.io");
  });

  it("names a missing variable", () => {
    const { POSTGRES_URL: _, ...rest } = VALID;
    expect(problemsOf(rest)).toEqual(["POSTGRES_URL is missing"]);
  });

  it("names a malformed variable and says what is expected", () => {
    const problems = problemsOf({ ...VALID, POSTGRES_URL: "mysql://x", S3_BUCKET: "Bad_Bucket" });
    expect(problems).toContain("POSTGRES_URL is malformed: must be a postgres:// connection string");
    expect(problems).toContain("S3_BUCKET is malformed: must be a valid S3 bucket name");
  });

  it("requires QStash credentials unless QSTASH_DEV is on", () => {
    const { QSTASH_TOKEN: _, ...rest } = VALID;
    expect(problemsOf(rest)[0]).toMatch(/^QSTASH_TOKEN is missing: is required unless QSTASH_DEV=true/);
    expect(parseEnv({ ...rest, QSTASH_DEV: "true" }).QSTASH_DEV).toBe(true);
  });

  it("rejects a short auth secret and a non-http APP_URL", () => {
    const problems = problemsOf({ ...VALID, BETTER_AUTH_SECRET: "short", APP_URL: "ftp://x" });
    expect(problems.some((p) => p.startsWith("BETTER_AUTH_SECRET is malformed"))).toBe(true);
    expect(problems.some((p) => p.startsWith("APP_URL is malformed"))).toBe(true);
  });

  it("explains how to fix in the error message", () => {
    expect(() => parseEnv({})).toThrow(/\.env\.example/);
  });
});
