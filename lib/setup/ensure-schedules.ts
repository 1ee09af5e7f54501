import type { Client } from "@upstash/qstash";

export const SWEEP_SCHEDULE_ID = "biblio-sweep";
export const POLL_SCHEDULE_ID = "biblio-poll";
export const SWEEP_PATH = "/api/cron/sweep";
export const POLL_PATH = "/api/cron/poll";
export const SWEEP_CRON = "*/5 * * * *";
/** QStash schedules fire at most once a minute: the poller's best latency is ~1 min. */
export const POLL_CRON = "* * * * *";

/**
 * Creates or updates the sweep schedule (and the poll schedule when polling is on;
 * otherwise removes it). A fixed scheduleId makes `create` an upsert, so reruns are
 * idempotent. The JSON body lets the signed route parse it like any other delivery.
 */
export async function ensureSchedules(client: Client, input: { appUrl: string; poll: boolean }) {
  const common = { body: JSON.stringify({ trigger: "schedule" }), headers: { "Content-Type": "application/json" }, retries: 2 };
  await client.schedules.create({ scheduleId: SWEEP_SCHEDULE_ID, destination: `${input.appUrl}${SWEEP_PATH}`, cron: SWEEP_CRON, ...common });
  if (input.poll) {
    await client.schedules.create({ scheduleId: POLL_SCHEDULE_ID, destination: `${input.appUrl}${POLL_PATH}`, cron: POLL_CRON, ...common, retries: 0 });
  } else {
    const existing = await client.schedules.list();
    if (existing.some((s) => s.scheduleId === POLL_SCHEDULE_ID)) await client.schedules.delete(POLL_SCHEDULE_ID);
  }
  return { sweep: SWEEP_SCHEDULE_ID, poll: input.poll ? POLL_SCHEDULE_ID : null };
}
