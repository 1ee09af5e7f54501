// Scripted upload clients for the chaos harness: the browser's calls, made over the real
// HTTP API (better-auth sign-up, create, sign parts, presigned PUTs to the store,
// /complete). Like a real client they retry what fails (network errors, 5xx, 429) with
// backoff; what they do after their last byte is their script.
import type { MediaFile, MediaKind } from "./media";
import { sleep } from "./stack";

export type Behaviour = "normal" | "vanish" | "double" | "abandon";
export type Strategy = "single" | "multipart";

export type UploadPlan = { index: number; strategy: Strategy; behaviour: Behaviour; kind: MediaKind; user: ChaosUser };

export type UploadRecord = {
  plan: UploadPlan;
  id: string | null;
  size: number;
  startedAt: number;
  /** When the final byte was acknowledged by the store; null if the bytes never all arrived. */
  lastByteAt: number | null;
  /** The answers to /complete (two for `double`), as status codes and upload status. */
  completes: { status: number; uploadStatus: string | null }[];
  error: string | null;
  endedAt: number;
};

export type ChaosUser = { email: string; cookie: string; projectId: string };

const REQUEST_TIMEOUT_MS = 30_000;
/** How long a client keeps retrying one step before it gives up (longer than every pause). */
const RETRY_BUDGET_MS = 150_000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`HTTP ${status}: ${body.slice(0, 200)}`);
  }
}

const retryable = (error: unknown) => !(error instanceof HttpError) || error.status >= 500 || error.status === 429 || error.status === 408;

async function withRetry<T>(what: string, fn: () => Promise<T>, budgetMs = RETRY_BUDGET_MS): Promise<T> {
  const end = Date.now() + budgetMs;
  let wait = 250;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (!retryable(error) || Date.now() + wait > end) throw new Error(`${what}: ${(error as Error).message}`);
      await sleep(wait);
      wait = Math.min(wait * 2, 5_000);
    }
  }
}

export class Api {
  constructor(readonly base: string) {}

  async json<T>(path: string, init: { method?: string; cookie?: string; body?: unknown } = {}): Promise<{ status: number; body: T; headers: Headers }> {
    const res = await fetch(`${this.base}${path}`, {
      method: init.method ?? "GET",
      headers: {
        origin: this.base,
        accept: "application/json",
        ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
        ...(init.cookie ? { cookie: init.cookie } : {}),
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    if (res.status >= 400) throw new HttpError(res.status, text);
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
  }

  /** A fresh account through better-auth's own routes, and a project to upload into. */
  async signUp(email: string, password: string): Promise<ChaosUser> {
    const up = await withRetry("sign-up", () => this.json("/api/auth/sign-up/email", { method: "POST", body: { email, password, name: "Chaos Client" } }));
    let cookie = cookieOf(up.headers);
    if (!cookie) {
      const inn = await withRetry("sign-in", () => this.json("/api/auth/sign-in/email", { method: "POST", body: { email, password } }));
      cookie = cookieOf(inn.headers);
    }
    const project = await withRetry("create project", () =>
      this.json<{ project: { id: string } }>("/api/projects", { method: "POST", cookie, body: { name: "Chaos" } }),
    );
    return { email, cookie, projectId: project.body.project.id };
  }

  async signIn(email: string, password: string): Promise<string> {
    const inn = await withRetry("sign-in", () => this.json("/api/auth/sign-in/email", { method: "POST", body: { email, password } }));
    return cookieOf(inn.headers);
  }
}

function cookieOf(headers: Headers): string {
  return headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

async function put(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<void> {
  await withRetry("PUT", async () => {
    const res = await fetch(url, { method: "PUT", body: new Uint8Array(body), headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS * 2) });
    await res.arrayBuffer();
    if (res.status >= 300) throw new HttpError(res.status, "");
  });
}

type CreateResponse = {
  upload: { id: string };
  strategy: Strategy;
  put?: { url: string; headers: Record<string, string> };
  multipart?: { partSize: number; partCount: number };
  signed?: { parts: { partNumber: number; url: string }[] };
};

/** One scripted client. Never throws: what went wrong is in the record. */
export async function runClient(
  api: Api,
  plan: UploadPlan,
  file: MediaFile,
  options: Record<string, boolean> = { checksum: true, sniff: true, probe: true },
): Promise<UploadRecord> {
  const rec: UploadRecord = { plan, id: null, size: file.bytes.length, startedAt: Date.now(), lastByteAt: null, completes: [], error: null, endedAt: 0 };
  const { user } = plan;
  try {
    const created = await withRetry("create", () =>
      api.json<CreateResponse>("/api/uploads", {
        method: "POST",
        cookie: user.cookie,
        body: { name: file.name, type: file.type, size: file.bytes.length, projectId: user.projectId, options },
      }),
    );
    const c = created.body;
    rec.id = c.upload.id;
    if (c.strategy === "single") {
      await put(c.put!.url, file.bytes, c.put!.headers);
    } else {
      const { partSize, partCount } = c.multipart!;
      // An abandoning client stops after its first part: the rest never arrive.
      const count = plan.behaviour === "abandon" ? 1 : partCount;
      const urls = new Map(c.signed!.parts.map((p) => [p.partNumber, p.url]));
      const missing = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !urls.has(n));
      if (missing.length) {
        const signed = await withRetry("sign parts", () =>
          api.json<{ parts: { partNumber: number; url: string }[] }>(`/api/uploads/${rec.id}/parts`, {
            method: "POST",
            cookie: user.cookie,
            body: { partNumbers: missing },
          }),
        );
        for (const p of signed.body.parts) urls.set(p.partNumber, p.url);
      }
      await Promise.all(
        Array.from({ length: count }, (_, i) => i + 1).map((n) =>
          put(urls.get(n)!, file.bytes.subarray((n - 1) * partSize, Math.min(file.bytes.length, n * partSize))),
        ),
      );
    }
    if (plan.behaviour === "abandon") return rec;
    rec.lastByteAt = Date.now();
    if (plan.behaviour === "vanish") return rec;
    const complete = () =>
      withRetry("complete", () =>
        api.json<{ upload: { status: string } }>(`/api/uploads/${rec.id}/complete`, { method: "POST", cookie: user.cookie, body: {} }),
      )
        .then((r) => ({ status: r.status, uploadStatus: r.body.upload.status }))
        .catch((error: Error) => ({ status: Number(/HTTP (\d+)/.exec(error.message)?.[1] ?? 0), uploadStatus: null, error: error.message }));
    const answers = await Promise.all(plan.behaviour === "double" ? [complete(), complete()] : [complete()]);
    rec.completes = answers.map(({ status, uploadStatus }) => ({ status, uploadStatus }));
    const failed = answers.find((a) => "error" in a);
    // A client whose /complete never got through has, in effect, vanished: the safety nets still owe it.
    if (failed && "error" in failed) rec.error = String(failed.error);
  } catch (error) {
    rec.error = (error as Error).message;
  } finally {
    rec.endedAt = Date.now();
  }
  return rec;
}
