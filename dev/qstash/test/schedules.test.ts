import { describe, expect, it } from "vitest";
import { nextFireMs, parseCron } from "../cron.js";
import { ep, s, withServerAndEndpoint } from "./harness.js";
import { api, until } from "./helpers.js";

withServerAndEndpoint();

describe("schedules", () => {
  it("create, get, list, overwrite and delete", async () => {
    const { scheduleId } = await s.client.schedules.create({
      destination: ep.to("/sched"),
      cron: "*/10 * * * * ",
      body: "b",
      headers: { "test-header": "t" },
      retries: 2,
    });
    expect(scheduleId).toMatch(/^scd_/);
    const sc = await s.client.schedules.get(scheduleId);
    expect(sc).toMatchObject({ scheduleId, cron: "*/10 * * * *", destination: ep.to("/sched"), method: "POST", retries: 2, isPaused: false, body: "b" });
    expect(sc.header).toEqual({ "Test-Header": ["t"], "Content-Type": ["application/json"] });
    expect(sc.nextScheduleTime! % 600_000).toBe(0);
    expect((await s.client.schedules.list()).map((x) => x.scheduleId)).toContain(scheduleId);
    await s.client.schedules.create({ destination: ep.to("/sched2"), cron: "0 * * * *", scheduleId });
    const replaced = await s.client.schedules.get(scheduleId);
    expect(replaced.destination).toBe(ep.to("/sched2"));
    expect(replaced.body).toBeUndefined();
    await s.client.schedules.delete(scheduleId);
    await expect(s.client.schedules.get(scheduleId)).rejects.toMatchObject({ status: 404 });
  });

  it("fires: publishes a message delivered with Upstash-Schedule-Id and tracks lastScheduleStates", async () => {
    const { scheduleId } = await s.client.schedules.create({ destination: ep.to("/fire"), cron: "* * * * *", body: "tick", scheduleId: "my-sched" });
    expect(scheduleId).toBe("my-sched");
    const [id] = s.fireSchedule(scheduleId);
    const [d] = await ep.waitFor("/fire");
    expect(d.body).toBe("tick");
    expect(d.headers["upstash-schedule-id"]).toBe("my-sched");
    expect(d.headers["upstash-message-id"]).toBe(id);
    const sc = await until(async () => {
      const x = await s.client.schedules.get(scheduleId);
      return x.lastScheduleStates?.[id] === "SUCCESS" ? x : undefined;
    });
    expect(sc.lastScheduleTime).toBeGreaterThan(0);
    expect((await s.client.messages.get(id)).scheduleId).toBe("my-sched");
  });

  it("pause skips firings; resume restores them (PATCH and POST)", async () => {
    const { scheduleId } = await s.client.schedules.create({ destination: ep.to("/pausable"), cron: "* * * * *" });
    await s.client.schedules.pause({ schedule: scheduleId });
    expect((await s.client.schedules.get(scheduleId)).isPaused).toBe(true);
    expect(s.fireSchedule(scheduleId)).toEqual([]);
    expect((await s.waitForIdle({ timeoutMs: 5000 })).idle).toBe(true);
    expect(ep.at("/pausable")).toHaveLength(0);
    expect((await api(s.url, "POST", `/v2/schedules/${scheduleId}/resume`)).status).toBe(200);
    expect((await s.client.schedules.get(scheduleId)).isPaused).toBe(false);
    s.fireSchedule(scheduleId);
    await ep.waitFor("/pausable");
  });

  it("schedule with queue and delay enqueues delayed messages", async () => {
    const { scheduleId } = await s.client.schedules.create({ destination: ep.to("/sq"), cron: "* * * * *", queueName: "sched-q", delay: 30 });
    const [id] = s.fireSchedule(scheduleId);
    const m = await s.client.messages.get(id);
    expect(m.queueName).toBe("sched-q");
    expect(m.notBefore! - m.createdAt).toBeGreaterThanOrEqual(29_000);
    await ep.waitFor("/sq");
  });

  it("duplicate create with the same deduplication id returns 202 and the same id", async () => {
    const h = { "Upstash-Cron": "* * * * *", "Upstash-Deduplication-Id": "sd1" };
    const a = await api(s.url, "POST", `/v2/schedules/${ep.to("/sd")}`, { headers: h });
    const b = await api(s.url, "POST", `/v2/schedules/${ep.to("/sd")}`, { headers: h });
    expect(a.status).toBe(200);
    expect(b.status).toBe(202);
    expect(b.json.scheduleId).toBe(a.json.scheduleId);
  });

  it("CRON_TZ shifts firing times; default is UTC", () => {
    const base = Date.UTC(2025, 0, 15, 12, 0, 30); // 12:00:30 UTC, winter (Berlin = UTC+1)
    expect(new Date(nextFireMs(parseCron("0 9 * * *"), base)!).toISOString()).toBe("2025-01-16T09:00:00.000Z");
    expect(new Date(nextFireMs(parseCron("CRON_TZ=Europe/Berlin 0 9 * * *"), base)!).toISOString()).toBe("2025-01-16T08:00:00.000Z");
    expect(new Date(nextFireMs(parseCron("CRON_TZ=America/New_York 30 12 * * *"), base)!).toISOString()).toBe("2025-01-15T17:30:00.000Z");
    expect(() => parseCron("CRON_TZ=Mars/Base 0 9 * * *")).toThrow();
  });

  it("accepts CRON_TZ through the API", async () => {
    const { scheduleId } = await s.client.schedules.create({ destination: ep.to("/tz"), cron: "CRON_TZ=Asia/Tokyo 0 0 * * *" });
    const sc = await s.client.schedules.get(scheduleId);
    expect(sc.cron).toBe("CRON_TZ=Asia/Tokyo 0 0 * * *");
    expect(new Date(sc.nextScheduleTime!).getUTCHours()).toBe(15);
  });
});
