// The scripted clients' plan, shared by the fault harness and the trigger matrix: exact
// counts per behaviour, shuffled with a seeded generator so a run can be repeated.

import type { Behaviour, ChaosUser, Strategy, UploadPlan } from "./clients";
import type { MediaKind } from "./media";

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** [behaviour, how many clients, how many of those upload multipart] */
export type BehaviourCount = [Behaviour, number, number];

/**
 * One plan per client: multipart ones upload an MP4 big enough for parts, single-PUT ones
 * cycle through MP4, MOV and MP3. Users are dealt round-robin after the shuffle.
 */
export function planClients(counts: BehaviourCount[], users: ChaosUser[], seed: number): UploadPlan[] {
  const random = rng(seed);
  const kinds: MediaKind[] = ["mp4", "mov", "mp3"];
  const plans: Omit<UploadPlan, "index" | "user">[] = [];
  for (const [behaviour, count, multipart] of counts) {
    for (let i = 0; i < count; i++) {
      const strategy: Strategy = i < multipart ? "multipart" : "single";
      plans.push({ behaviour, strategy, kind: strategy === "multipart" ? "mp4" : kinds[i % kinds.length]! });
    }
  }
  for (let i = plans.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [plans[i], plans[j]] = [plans[j]!, plans[i]!];
  }
  return plans.map((p, index) => ({ ...p, index, user: users[index % users.length]! }));
}
