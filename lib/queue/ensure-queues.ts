import type { Client } from "@upstash/qstash";
import { PLANS } from "@/lib/plans/plans";
import { getQstash } from "./qstash-client";

export type EnsuredQueue = { name: string; parallelism: number; paused: boolean; created: boolean };

/**
 * Creates or updates one QStash queue per plan with the plan's parallelism. Idempotent,
 * so deploys and the local stack can call it on every start. A queue an admin paused
 * stays paused: the SDK's upsert would otherwise resume it.
 */
export async function ensureQueues(client: Client = getQstash()): Promise<EnsuredQueue[]> {
  const ensured: EnsuredQueue[] = [];
  const current = await client.queue().list();
  for (const plan of Object.values(PLANS)) {
    const queue = client.queue({ queueName: plan.queue });
    const existing = current.find((q) => q.name === plan.queue);
    const paused = existing?.paused ?? false;
    if (existing?.parallelism !== plan.parallelism) await queue.upsert({ parallelism: plan.parallelism, paused });
    ensured.push({ name: plan.queue, parallelism: plan.parallelism, paused, created: !existing });
  }
  return ensured;
}
