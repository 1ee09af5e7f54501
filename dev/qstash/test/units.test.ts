import { describe, expect, it } from "vitest";
import { parseDuration, parseRetryHint } from "../duration.js";
import { compileRetryDelay, defaultBackoffMs, evalRetryDelay } from "../retry-delay.js";

describe("duration parsing", () => {
  it("accepts Upstash delay / Go duration forms", () => {
    expect(parseDuration("10s")).toBe(10_000);
    expect(parseDuration("1d10h30m")).toBe(86_400_000 + 36_000_000 + 1_800_000);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("30")).toBe(30_000);
    for (const bad of ["", "s", "10x", "1h 2m", "-5s", "abc"]) expect(parseDuration(bad)).toBeNull();
  });
  it("parses retry hints: seconds, HTTP dates, durations", () => {
    const now = Date.UTC(2025, 0, 1);
    expect(parseRetryHint("7", now)).toBe(7000);
    expect(parseRetryHint("6m5s", now)).toBe(365_000);
    expect(parseRetryHint(new Date(now + 60_000).toUTCString(), now)).toBe(60_000);
    expect(parseRetryHint("garbage", now)).toBeNull();
  });
});

describe("retry delay expressions", () => {
  it("evaluates arithmetic, functions and `retried`", () => {
    expect(evalRetryDelay("1000", 0)).toBe(1000);
    expect(evalRetryDelay("1000 * (1 + retried)", 2)).toBe(3000);
    expect(evalRetryDelay("pow(2, retried) * 100", 3)).toBe(800);
    expect(evalRetryDelay("max(10, min(5, 3)) + abs(-2) + floor(1.7) + ceil(1.2) + round(2.5) + sqrt(16) + exp(0)", 0)).toBe(10 + 2 + 1 + 2 + 3 + 4 + 1);
    expect(evalRetryDelay("2 ^ 3 % 5", 0)).toBe(3);
    expect(evalRetryDelay("-5", 0)).toBe(0); // negative waits clamp to 0
  });
  it("rejects anything that is not the tiny grammar", () => {
    for (const bad of ["process.exit(1)", "retried.constructor", "require('fs')", "this", "a", "1 +", "(1", "pow(1)", "1;2", "`x`", "x => 1", "[1]"])
      expect(() => compileRetryDelay(bad), bad).toThrow();
  });
  it("default backoff matches min(86400, e^(2.5n)) s", () => {
    expect(Math.round(defaultBackoffMs(1) / 1000)).toBe(12);
    expect(Math.round(defaultBackoffMs(2) / 1000)).toBe(148);
    expect(defaultBackoffMs(6)).toBe(86_400_000);
  });
});
