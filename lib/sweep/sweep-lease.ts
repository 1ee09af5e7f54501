import { randomUUID } from "node:crypto";
import { acquireLease, releaseLease, renewLease } from "@/lib/db/queries/sweep";

export class LeaseLostError extends Error {
  constructor(name: string) {
    super(`Lease ${name} was taken over by another run`);
  }
}

export type Lease = { name: string; holder: string; keepAlive(): Promise<void>; release(): Promise<void> };

/**
 * Holds a named lease for the length of a run. `keepAlive` renews it once a third of the
 * TTL has passed (one statement, not one per batch) and throws when another run took it.
 */
export async function takeLease(name: string, ttlMs: number): Promise<Lease | null> {
  const holder = randomUUID();
  if (!(await acquireLease(name, holder, ttlMs))) return null;
  let renewedAt = Date.now();
  return {
    name,
    holder,
    async keepAlive() {
      if (Date.now() - renewedAt < ttlMs / 3) return;
      if (!(await renewLease(name, holder, ttlMs))) throw new LeaseLostError(name);
      renewedAt = Date.now();
    },
    release: () => releaseLease(name, holder),
  };
}
