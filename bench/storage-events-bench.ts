/**
 * How Ceph's bucket notifications treat the uploader's PUT when the push endpoint (QStash)
 * is healthy, paused (accepts the connection, never answers: a SIGSTOPped server) or dead
 * (connection refused), for a non-persistent and a persistent topic. Runs against the
 * running stack's Ceph (`./dev/up` or a test slot: BIBLIO_WORLD=test BIBLIO_TEST_SLOT=N)
 * in a bucket of its own, with its own receiver standing in for QStash; removes both after.
 *
 *   npx tsx bench/storage-events-bench.ts [--puts 3]
 */
// First: fixes the test world (never the developer's) before dev/stack reads it.
import "./world";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DeleteTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { s3ClientConfig } from "../dev/stack/ceph-bucket";
import { readRunningStack } from "../dev/stack/stack";
import { configureTopicNotification, removeTopicNotification } from "../lib/setup/configure-notifications";

const PUTS = Number(process.argv[process.argv.indexOf("--puts") + 1]) || 3;
const stack = readRunningStack();
if (!stack)
  throw new Error(
    `no running test-world stack in slot ${process.env.BIBLIO_TEST_SLOT}: start BIBLIO_WORLD=test BIBLIO_TEST_SLOT=${process.env.BIBLIO_TEST_SLOT} ./dev/up --no-app`,
  );
const env = stack.env;
const target = { endpoint: env.S3_ENDPOINT, region: env.S3_REGION, accessKey: env.S3_ACCESS_KEY_ID, secretKey: env.S3_SECRET_ACCESS_KEY, forcePathStyle: true };
const s3 = new S3Client(s3ClientConfig(target));
const bucket = `bench-events-${Date.now()}`;

type Mode = "healthy" | "paused" | "dead";
let mode: Mode = "healthy";
const arrivals = new Map<string, number[]>();
const held = new Set<Socket>();
const receiver = http.createServer((req, res) => {
  if (mode === "paused") {
    held.add(req.socket);
    return; // never answers, like a stopped process whose kernel still accepts the connection
  }
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    try {
      for (const r of JSON.parse(body).Records ?? []) {
        const k = decodeURIComponent(r.s3.object.key);
        arrivals.set(k, [...(arrivals.get(k) ?? []), Date.now()]);
      }
    } catch {}
    res.end("{}");
  });
});

const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${s[Math.floor(s.length / 2)].toFixed(0)} ms, max ${s[s.length - 1].toFixed(0)} ms`;
};

async function put(key: string): Promise<{ ms: number; end: number }> {
  const t0 = performance.now();
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" }));
  return { ms: performance.now() - t0, end: Date.now() };
}

async function waitArrival(key: string, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const a = arrivals.get(key);
    if (a) return a[0];
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

async function run(persistent: boolean, port: number) {
  const topicName = `${bucket}-${persistent ? "persistent" : "inline"}`;
  const arn = await configureTopicNotification({ ...target, bucket, topicName, pushEndpoint: `http://127.0.0.1:${port}/events`, persistent });
  const label = persistent ? "persistent topic" : "non-persistent topic";
  try {
    for (const m of ["healthy", "paused", "dead"] as Mode[]) {
      mode = m;
      if (m === "dead") {
        receiver.closeAllConnections();
        await new Promise<void>((r) => receiver.close(() => r()));
      }
      const lat: number[] = [];
      const eventLat: number[] = [];
      const keys: { key: string; end: number }[] = [];
      for (let i = 0; i < PUTS; i++) {
        const key = `${label.replace(/ /g, "-")}/${m}/${i}`;
        const r = await put(key);
        lat.push(r.ms);
        keys.push({ key, end: r.end });
        if (m === "healthy") {
          const at = await waitArrival(key, 120_000);
          if (at) eventLat.push(at - r.end);
        }
      }
      console.log(`${label}, endpoint ${m}: PUT ${fmt(lat)}${eventLat.length ? `; event after the PUT: ${fmt(eventLat)} (${eventLat.length}/${PUTS})` : ""}`);
      if (m !== "healthy") {
        // Bring the endpoint back and see whether the events of the outage arrive.
        for (const s of held) s.destroy();
        held.clear();
        mode = "healthy";
        if (m === "dead") await new Promise<void>((r) => receiver.listen(port, "127.0.0.1", () => r()));
        const back = Date.now();
        const got = await Promise.all(keys.map((k) => waitArrival(k.key, persistent ? 120_000 : 5_000)));
        const n = got.filter((x) => x !== undefined).length;
        const after = got.filter((x): x is number => x !== undefined).map((x) => x - back);
        console.log(`  after the endpoint came back: ${n}/${PUTS} events of the outage delivered${n ? ` (${fmt(after)} after it came back)` : ""}`);
      }
    }
  } finally {
    await removeTopicNotification({ ...target, bucket });
    const sns = new SNSClient({
      endpoint: target.endpoint,
      region: target.region,
      credentials: { accessKeyId: target.accessKey, secretAccessKey: target.secretKey },
    });
    await sns.send(new DeleteTopicCommand({ TopicArn: arn })).catch(() => {});
    sns.destroy();
  }
}

async function main() {
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  const port = (receiver.address() as AddressInfo).port;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  console.log(`storage-events-bench: ceph ${env.S3_ENDPOINT}, bucket ${bucket}, ${PUTS} PUTs per case`);
  try {
    await run(false, port);
    await run(true, port);
  } finally {
    for (const [k] of arrivals) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: k })).catch(() => {});
    for (const label of ["non-persistent-topic", "persistent-topic"])
      for (const m of ["healthy", "paused", "dead"])
        for (let i = 0; i < PUTS; i++) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${label}/${m}/${i}` })).catch(() => {});
    await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch((e) => console.log(`bucket left: ${e}`));
    for (const s of held) s.destroy();
    receiver.closeAllConnections();
    receiver.close();
    s3.destroy();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
