// The sweep and the orphan cleanup delete keys in batches. The local bucket carries a
// persistent notification topic, and Ceph RGW 16 aborts on DeleteObjects there, so the
// local stack turns S3_MULTI_DELETE off; this checks the batch still deletes every key and
// the store keeps answering afterwards, in the stack's own bucket.
import { expect, it } from "vitest";
import { deleteObjectsBatch } from "@/lib/storage/list-objects";
import { headObject, putObject } from "@/lib/storage/objects";

it("deletes a batch of keys in the notifying bucket and the store keeps answering", async () => {
  const run = `batch-delete-test/${Date.now().toString(36)}`;
  const keys = Array.from({ length: 12 }, (_, i) => `${run}/${i}`);
  await Promise.all(keys.map((k) => putObject(k, `bytes ${k}`, "application/octet-stream")));
  for (const k of keys) expect(await headObject(k)).not.toBeNull();

  expect(await deleteObjectsBatch(keys)).toEqual([]);

  for (const k of keys) expect(await headObject(k)).toBeNull();
  // Still alive: a write and a read after the batch.
  await putObject(`${run}/after`, "after", "application/octet-stream");
  expect((await headObject(`${run}/after`))?.size).toBe(5);
  expect(await deleteObjectsBatch([`${run}/after`])).toEqual([]);
});
