/** States an admin may replay from: a failed job, or one stuck on its way (not pending: its bytes are unconfirmed). */
export const REPLAYABLE = ["failed", "uploaded", "queued", "processing"] as const;
