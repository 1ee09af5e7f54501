import { Cron } from "croner";

export interface ParsedCron {
  expr: string;
  timezone: string;
  cron: Cron;
}

/** 5-field cron with an optional leading "CRON_TZ=<IANA zone>"; UTC by default. Throws on bad input. */
export function parseCron(raw: string): ParsedCron {
  const expr = raw.trim().replace(/\s+/g, " ");
  let timezone = "UTC";
  let pattern = expr;
  const tz = /^CRON_TZ=(\S+)\s+(.*)$/.exec(expr);
  if (tz) {
    timezone = tz[1];
    pattern = tz[2];
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    } catch {
      throw new Error(`invalid cron timezone: ${timezone}`);
    }
  }
  if (pattern.split(" ").length !== 5) throw new Error(`invalid cron expression '${raw}': expected 5 fields`);
  try {
    const cron = new Cron(pattern, { timezone, paused: true, mode: "5-part" });
    return { expr, timezone, cron };
  } catch (e) {
    throw new Error(`invalid cron expression '${raw}': ${(e as Error).message}`);
  }
}

export function nextFireMs(c: ParsedCron, afterMs: number): number | null {
  const d = c.cron.nextRun(new Date(afterMs));
  return d ? d.getTime() : null;
}
