import { getQstash } from "@/lib/queue/qstash-client";
import { describeError, withTimeout } from "./with-timeout";

/** The DLQ is read in pages of 100, up to this many entries: enough to act on, bounded when it floods. */
export const DLQ_SCAN_LIMIT = 1_000;

export type DlqEntry = {
  dlqId: string;
  messageId: string;
  uploadId: string | null;
  url: string;
  queueName: string | null;
  responseStatus: number | null;
  responseBody: string | null;
  createdAt: Date | null;
};

export type DlqListing = { entries: DlqEntry[]; truncated: boolean; error: string | null };

/** The upload id of a job message body (`{ uploadId, … }`); null for anything else. */
export function uploadIdFromBody(body: string | undefined, bodyBase64?: string): string | null {
  try {
    const text = body ?? (bodyBase64 ? Buffer.from(bodyBase64, "base64").toString("utf8") : "");
    const parsed = JSON.parse(text) as { uploadId?: unknown };
    return typeof parsed?.uploadId === "string" ? parsed.uploadId : null;
  } catch {
    return null;
  }
}

/**
 * Reads the QStash DLQ. QStash being down is not the dashboard being down: the error
 * comes back as data for the page to show.
 */
export async function listDlqEntries(limit = DLQ_SCAN_LIMIT): Promise<DlqListing> {
  const entries: DlqEntry[] = [];
  let cursor: string | undefined;
  try {
    do {
      const page = await withTimeout(getQstash().dlq.listMessages({ cursor, count: 100 }), 5_000, "QStash DLQ");
      for (const m of page.messages) {
        entries.push({
          dlqId: m.dlqId,
          messageId: m.messageId,
          uploadId: uploadIdFromBody(m.body, m.bodyBase64),
          url: m.url,
          queueName: m.queueName ?? null,
          responseStatus: m.responseStatus ?? null,
          responseBody: m.responseBody ? m.responseBody.slice(0, 500) : null,
          createdAt: m.createdAt ? new Date(m.createdAt) : null,
        });
      }
      cursor = page.cursor;
    } while (cursor && entries.length < limit);
    return { entries, truncated: Boolean(cursor), error: null };
  } catch (error) {
    return { entries, truncated: false, error: describeError(error) };
  }
}

/** Deletes DLQ entries by id; an id already gone counts as done. */
export async function deleteDlqEntries(dlqIds: string[]): Promise<number> {
  if (!dlqIds.length) return 0;
  const out = await withTimeout(getQstash().dlq.delete(dlqIds), 5_000, "QStash DLQ");
  return out.deleted;
}
