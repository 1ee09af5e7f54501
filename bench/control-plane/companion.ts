/**
 * Uppy Companion, the official server for Uppy's S3 multipart uploads, run standalone in
 * a child process against the same bucket, as the peer the control plane is measured
 * against. It does no auth and keeps no database: create is one CreateMultipartUpload,
 * sign is one getSignedUrl per part.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

export type Companion = { url: string; prefix: string; stop(): Promise<void> };

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

/** Starts Companion on a free loopback port; its keys live under a prefix of this run's own. */
export async function startCompanion(env: Record<string, string>): Promise<Companion> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "biblio-companion-"));
  const prefix = `bench-companion-${randomBytes(4).toString("hex")}/`;
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, "node_modules/@uppy/companion/bin/companion")], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      COMPANION_PORT: String(port),
      COMPANION_DOMAIN: `127.0.0.1:${port}`,
      COMPANION_PROTOCOL: "http",
      COMPANION_SECRET: randomBytes(16).toString("hex"),
      COMPANION_DATADIR: dataDir,
      COMPANION_CLIENT_ORIGINS: "true",
      COMPANION_HIDE_METRICS: "true",
      COMPANION_HIDE_WELCOME: "true",
      COMPANION_AWS_KEY: env.S3_ACCESS_KEY_ID,
      COMPANION_AWS_SECRET: env.S3_SECRET_ACCESS_KEY,
      COMPANION_AWS_BUCKET: env.S3_BUCKET,
      COMPANION_AWS_ENDPOINT: env.S3_ENDPOINT,
      COMPANION_AWS_REGION: env.S3_REGION,
      COMPANION_AWS_FORCE_PATH_STYLE: env.S3_FORCE_PATH_STYLE === "true" ? "true" : "false",
      COMPANION_AWS_PREFIX: prefix,
      // Required by its config check; only remote-URL imports use it, which are not measured.
      COMPANION_UPLOAD_URLS: "http://127.0.0.1/none",
      COMPANION_PREAUTH_SECRET: randomBytes(16).toString("hex"),
    },
  });
  let output = "";
  const keep = (c: Buffer) => {
    output = (output + c.toString()).slice(-4000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once("exit", () => child.kill("SIGKILL"));
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) break;
    try {
      await fetch(`${url}/`);
      return { url, prefix, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  await stop();
  throw new Error(`Companion did not start:\n${output}`);
}
