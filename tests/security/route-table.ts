import { readdirSync } from "node:fs";
import path from "node:path";
import { MiB, pendingUpload, type Role, type World } from "./fixtures";

export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type Method = (typeof METHODS)[number];

export type RouteHandler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
export type Call = { params?: Record<string, string>; body?: unknown; query?: string; path?: string };
/** How the route authenticates its caller; the QStash and fuzz suites pick their routes by it. */
export type Kind = "user" | "admin" | "qstash" | "storage-event" | "public" | "better-auth";
export type Row = {
  kind: Kind;
  /** A fresh request for each caller, so one caller's success never changes what the next one meets. */
  call?: (world: World) => Promise<Call>;
  expect: Record<Role, number | readonly number[]>;
};

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Every route file under app/, as its URL pattern (`/api/uploads/[id]/parts`). */
export function discoverRouteFiles(): { pattern: string; file: string }[] {
  const found: { pattern: string; file: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/^route\.(ts|tsx|js|mjs)$/.test(entry.name)) {
        const rel = path.relative(path.join(ROOT, "app"), path.dirname(full)).split(path.sep);
        // Route groups `(auth)` do not appear in the URL.
        const pattern = `/${rel.filter((s) => !/^\(.*\)$/.test(s)).join("/")}`;
        found.push({ pattern, file: full });
      }
    }
  };
  walk(path.join(ROOT, "app"));
  return found.sort((a, b) => a.pattern.localeCompare(b.pattern));
}

/** Each exported HTTP method of every route, with its handler. */
export async function discoverRoutes(): Promise<{ key: string; pattern: string; method: Method; handler: RouteHandler }[]> {
  const out = [];
  for (const { pattern, file } of discoverRouteFiles()) {
    const mod = (await import(file)) as Record<string, unknown>;
    for (const method of METHODS) {
      if (typeof mod[method] === "function") out.push({ key: `${method} ${pattern}`, pattern, method, handler: mod[method] as RouteHandler });
    }
  }
  return out;
}

const all = (status: number): Row["expect"] => ({ anonymous: status, other: status, member: status, owner: status, admin: status });
const signedIn = (ok: number): Row["expect"] => ({ anonymous: 401, other: ok, member: ok, owner: ok, admin: ok });
/** Members of the owner's project (admins are not, and uploading is not an admin power). */
const projectMembers = (ok: number): Row["expect"] => ({ anonymous: 401, other: 404, member: ok, owner: ok, admin: 404 });
/** Who may read an upload: its owner, members of its project, admins. */
const uploadReaders = (ok: number): Row["expect"] => ({ anonymous: 401, other: 404, member: ok, owner: ok, admin: ok });
/** Who may act on an upload: its owner only. */
const uploadOwner = (ok: number): Row["expect"] => ({ anonymous: 401, other: 404, member: 404, owner: ok, admin: 404 });
/** Admin APIs: 404 for everyone else, anonymous included, exactly as for an unknown route. */
const adminOnly = (ok: number | readonly number[]): Row["expect"] => ({ anonymous: 404, other: 404, member: 404, owner: 404, admin: ok });

const single = async (w: World) => (await pendingUpload(w.owner)).upload.id;
const multipart = async (w: World) => (await pendingUpload(w.owner, 20 * MiB, "video/mp4")).upload.id;

/**
 * The authorization matrix: every route and method the app serves, what each kind of
 * caller gets. A route file or method missing here fails route-matrix.test.ts.
 */
export const ROUTE_TABLE: Record<string, Row> = {
  "GET /api/health": { kind: "public", expect: all(200) },
  "GET /api/auth/[...all]": { kind: "better-auth", call: async () => ({ path: "/api/auth/get-session" }), expect: all(200) },
  "POST /api/auth/[...all]": {
    kind: "better-auth",
    call: async () => ({ path: "/api/auth/sign-in/email", body: { email: "nobody@biblio.test", password: "not-the-password" } }),
    expect: all(401),
  },

  "GET /api/projects": { kind: "user", expect: signedIn(200) },
  "POST /api/projects": { kind: "user", call: async () => ({ body: { name: "Matrix project" } }), expect: signedIn(201) },
  "GET /api/uploads": { kind: "user", call: async (w) => ({ query: `projectId=${w.owner.projectId}` }), expect: projectMembers(200) },
  "POST /api/uploads": {
    kind: "user",
    call: async (w) => ({ body: { name: "m.png", type: "image/png", size: 100, projectId: w.owner.projectId } }),
    expect: projectMembers(201),
  },
  // Live status: members follow their project; admins may too, as they may open any upload.
  "GET /api/projects/[projectId]/uploads/changes": {
    kind: "user",
    call: async (w) => {
      await single(w);
      return { params: { projectId: w.owner.projectId }, query: "since=2000-01-01T00:00:00Z" };
    },
    expect: { anonymous: 401, other: 404, member: 200, owner: 200, admin: 200 },
  },
  "GET /api/uploads/[id]": { kind: "user", call: async (w) => ({ params: { id: await single(w) } }), expect: uploadReaders(200) },
  "DELETE /api/uploads/[id]": { kind: "user", call: async (w) => ({ params: { id: await single(w) } }), expect: uploadOwner(200) },
  "GET /api/uploads/[id]/parts": { kind: "user", call: async (w) => ({ params: { id: await multipart(w) } }), expect: uploadOwner(200) },
  "POST /api/uploads/[id]/parts": {
    kind: "user",
    call: async (w) => ({ params: { id: await multipart(w) }, body: { partNumbers: [1, 2] } }),
    expect: uploadOwner(200),
  },
  // Readers of the file are its owner and project members; a pending file is not readable yet (409).
  "GET /api/uploads/[id]/file": {
    kind: "user",
    call: async (w) => ({ params: { id: await single(w) }, query: "disposition=attachment" }),
    expect: { anonymous: 401, other: 404, member: 409, owner: 409, admin: 404 },
  },
  // The storyboard's seek-preview track: the file's readers, and a pending file has none yet (409).
  "GET /api/uploads/[id]/storyboard.vtt": {
    kind: "user",
    call: async (w) => ({ params: { id: await single(w) } }),
    expect: { anonymous: 401, other: 404, member: 409, owner: 409, admin: 404 },
  },
  "POST /api/uploads/[id]/delete": { kind: "user", call: async (w) => ({ params: { id: await single(w) }, body: {} }), expect: uploadOwner(200) },
  // Per-id answers: someone else's id is reported `not_found` inside a 200.
  "POST /api/uploads/delete": { kind: "user", call: async (w) => ({ body: { ids: [await single(w)] } }), expect: signedIn(200) },
  // No parts sent yet: the owner is told which are missing.
  "POST /api/uploads/[id]/complete": { kind: "user", call: async (w) => ({ params: { id: await multipart(w) }, body: {} }), expect: uploadOwner(409) },

  "GET /api/admin/health": { kind: "admin", expect: adminOnly(200) },
  "GET /api/admin/uploads": { kind: "admin", expect: adminOnly(200) },
  "GET /api/admin/uploads/[id]": { kind: "admin", call: async (w) => ({ params: { id: await single(w) } }), expect: adminOnly(200) },
  "POST /api/admin/uploads/[id]/cancel": {
    kind: "admin",
    call: async (w) => ({ params: { id: await single(w) }, body: { to: "aborted" } }),
    expect: adminOnly(200),
  },
  "POST /api/admin/uploads/[id]/delete-object": { kind: "admin", call: async (w) => ({ params: { id: await single(w) } }), expect: adminOnly(409) },
  "POST /api/admin/uploads/[id]/replay": { kind: "admin", call: async (w) => ({ params: { id: await single(w) } }), expect: adminOnly(409) },
  "POST /api/admin/jobs/replay": { kind: "admin", call: async (w) => ({ body: { uploadIds: [await single(w)] } }), expect: adminOnly(409) },
  "POST /api/admin/jobs/discard": { kind: "admin", call: async (w) => ({ body: { uploadIds: [await single(w)] } }), expect: adminOnly(409) },
  "POST /api/admin/orphans/cleanup": { kind: "admin", expect: adminOnly(200) },
  "POST /api/admin/outbox/republish": { kind: "admin", expect: adminOnly(200) },
  "GET /api/admin/sweeps": { kind: "admin", expect: adminOnly(200) },
  // 409 when a scheduled sweep holds the lease at that moment: still only an admin got that far.
  "POST /api/admin/sweeps": { kind: "admin", expect: adminOnly([200, 409]) },
  "PATCH /api/admin/users/[id]": { kind: "admin", call: async (w) => ({ params: { id: w.other.id }, body: { plan: "free" } }), expect: adminOnly(200) },

  // Cookies open nothing here: only a valid Upstash-Signature does (qstash-deliveries.test.ts).
  "POST /api/jobs/process": { kind: "qstash", call: async () => ({ body: {} }), expect: all(401) },
  "POST /api/jobs/failed": { kind: "qstash", call: async () => ({ body: {} }), expect: all(401) },
  "POST /api/cron/sweep": { kind: "qstash", call: async () => ({ body: {} }), expect: all(401) },
  "POST /api/cron/poll": { kind: "qstash", call: async () => ({ body: {} }), expect: all(401) },
  "POST /api/uploads/check": { kind: "qstash", call: async () => ({ body: {} }), expect: all(401) },
  "POST /api/storage-events": { kind: "storage-event", call: async () => ({ body: { Records: [] } }), expect: all(401) },
};
