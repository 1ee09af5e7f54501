import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, MiB, pendingUpload, type World } from "./fixtures";
import { callPattern } from "./request";
import { type Call, discoverRoutes, type Method, type RouteHandler } from "./route-table";

// Validation, not throttling, is under test here: 10,000 requests from one user would
// otherwise meet the rate limits (tested on their own in rate-limits.test.ts).
const savedMultiplier = process.env.RATE_LIMIT_MULTIPLIER;
process.env.RATE_LIMIT_MULTIPLIER = "0";
afterAll(() => {
  if (savedMultiplier === undefined) delete process.env.RATE_LIMIT_MULTIPLIER;
  else process.env.RATE_LIMIT_MULTIPLIER = savedMultiplier;
});

type Input = Call & { rawBody?: string };
type Target = { key: string; as: "owner" | "admin"; runs: number; arb: (ids: Ids) => fc.Arbitrary<Input> };
type Ids = { single: string; multipart: string; projectId: string; userId: string };

let world: World;
let ids: Ids;
let handlers: Map<string, { pattern: string; method: Method; handler: RouteHandler }>;
let total = 0;

beforeAll(async () => {
  world = await createWorld();
  const [routes, single, multipart] = await Promise.all([discoverRoutes(), pendingUpload(world.owner), pendingUpload(world.owner, 40 * MiB, "video/mp4")]);
  handlers = new Map(routes.map((r) => [r.key, r]));
  ids = { single: single.upload.id, multipart: multipart.upload.id, projectId: world.owner.projectId, userId: world.other.id };
});

// ── value generators: edge cases first, then anything JSON can carry ──────────────
const weirdString = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.constantFrom("", " ", "../../etc/passwd", "a\u0000b", "%00", "upl_", "🙂".repeat(40), "x".repeat(5000), "null", "__proto__", "constructor"),
);
const weirdNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e308, -0, 5 * 1024 ** 3 + 1, 16 * MiB + 1),
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(weirdString, weirdNumber, fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 3 }));
const uploadId = (real: string[]) =>
  fc.oneof(
    fc.constantFrom(...real),
    fc.uuid().map((u) => `upl_${u}`),
    weirdString,
  );
/** Either a whole JSON value, a malformed text, or an object with the route's own fields set to odd values. */
const body = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => ({ body: v }) as Input) },
    { weight: 1, arbitrary: fc.string().map((s) => ({ rawBody: s }) as Input) },
    { weight: 4, arbitrary: fc.record({ ...fields, extra: anyValue }, { requiredKeys: [] }).map((v) => ({ body: v }) as Input) },
  );
const query = (names: string[], values: fc.Arbitrary<string> = weirdString) =>
  fc.dictionary(fc.oneof(fc.constantFrom(...names), fc.string()), values, { maxKeys: 5 }).map((d) => new URLSearchParams(d).toString());

const TARGETS: Target[] = [
  {
    key: "POST /api/uploads",
    as: "owner",
    runs: 2000,
    arb: (i) =>
      body({
        name: fc.oneof(weirdString, fc.constantFrom("a.png", "clip.mp4", "CON.mp4", ".hidden")),
        type: fc.oneof(weirdString, fc.constantFrom("video/mp4", "image/png", "application/zip", "VIDEO/MP4", "text/html; charset=utf-8")),
        size: weirdNumber,
        projectId: fc.oneof(fc.constant(i.projectId), weirdString),
        options: fc.oneof(anyValue, fc.record({ checksum: anyValue, sniff: anyValue, probe: anyValue }, { requiredKeys: [] })),
      }),
  },
  {
    key: "GET /api/uploads",
    as: "owner",
    runs: 1000,
    arb: (i) => query(["projectId", "cursor", "limit"], fc.oneof(weirdString, fc.constant(i.projectId), weirdNumber.map(String))).map((q) => ({ query: q })),
  },
  { key: "GET /api/projects", as: "owner", runs: 100, arb: () => query(["cursor", "limit"]).map((q) => ({ query: q })) },
  { key: "POST /api/projects", as: "owner", runs: 500, arb: () => body({ name: weirdString }) },
  {
    key: "GET /api/projects/[projectId]/uploads/changes",
    as: "owner",
    runs: 600,
    arb: (i) =>
      fc
        .tuple(
          fc.oneof(fc.constant(i.projectId), weirdString),
          query(
            ["since"],
            fc.oneof(
              weirdString,
              fc.constantFrom("2026-01-01T00:00:00Z", "2026-13-45T00:00:00Z", "2026-01-01T00:00:00.123456Z|upl_x", "2026-01-01T00:00:00Z|a|b"),
            ),
          ),
        )
        .map(([projectId, q]) => ({ params: { projectId }, query: q })),
  },
  { key: "GET /api/uploads/[id]", as: "owner", runs: 700, arb: (i) => uploadId([i.single, i.multipart]).map((id) => ({ params: { id } })) },
  {
    key: "DELETE /api/uploads/[id]",
    as: "owner",
    runs: 400,
    arb: (i) =>
      fc
        .oneof(
          fc.uuid().map((u) => `upl_${u}`),
          weirdString,
          fc.constant(i.single),
        )
        .map((id) => ({ params: { id } })),
  },
  {
    key: "POST /api/uploads/[id]/parts",
    as: "owner",
    runs: 1500,
    arb: (i) =>
      fc
        .tuple(
          uploadId([i.multipart, i.multipart, i.single]),
          body({ partNumbers: fc.oneof(anyValue, fc.array(weirdNumber, { maxLength: 120 }), fc.array(fc.integer({ min: -2, max: 12 }), { maxLength: 10 })) }),
        )
        .map(([id, b]) => ({ ...b, params: { id } })),
  },
  { key: "GET /api/uploads/[id]/parts", as: "owner", runs: 300, arb: (i) => uploadId([i.multipart, i.single]).map((id) => ({ params: { id } })) },
  {
    key: "POST /api/uploads/[id]/complete",
    as: "owner",
    runs: 500,
    arb: (i) => fc.tuple(uploadId([i.multipart, i.single]), body({})).map(([id, b]) => ({ ...b, params: { id } })),
  },

  {
    key: "GET /api/uploads/[id]/file",
    as: "owner",
    runs: 400,
    arb: (i) =>
      fc
        .tuple(uploadId([i.single, i.multipart]), query(["disposition", "redirect"], fc.oneof(weirdString, fc.constantFrom("inline", "attachment", "0", "1"))))
        .map(([id, q]) => ({ params: { id }, query: q })),
  },
  {
    key: "GET /api/uploads/[id]/storyboard.vtt",
    as: "owner",
    runs: 300,
    arb: (i) => fc.tuple(uploadId([i.single, i.multipart]), query(["id"])).map(([id, q]) => ({ params: { id }, query: q })),
  },
  {
    key: "POST /api/uploads/[id]/delete",
    as: "owner",
    runs: 300,
    arb: () =>
      fc
        .tuple(
          fc.oneof(
            fc.uuid().map((u) => `upl_${u}`),
            weirdString,
          ),
          body({}),
        )
        .map(([id, b]) => ({ ...b, params: { id } })),
  },
  {
    key: "POST /api/uploads/delete",
    as: "owner",
    runs: 500,
    arb: () =>
      body({
        ids: fc.oneof(
          anyValue,
          fc.array(
            fc.oneof(
              weirdString,
              fc.uuid().map((u) => `upl_${u}`),
            ),
            { maxLength: 120 },
          ),
        ),
      }),
  },

  {
    key: "GET /api/admin/uploads",
    as: "admin",
    runs: 800,
    arb: (i) =>
      query(
        ["status", "user", "project", "source", "type", "from", "to", "q", "cursor"],
        fc.oneof(weirdString, fc.constantFrom("pending", "none", "video", "2026-01-01", "2026-13-45", i.userId, "'; drop table uploads; --", "%", "_")),
      ).map((q) => ({ query: q })),
  },
  { key: "GET /api/admin/uploads/[id]", as: "admin", runs: 300, arb: (i) => uploadId([i.single]).map((id) => ({ params: { id } })) },
  { key: "GET /api/admin/sweeps", as: "admin", runs: 300, arb: () => query(["cursor"]).map((q) => ({ query: q })) },
  {
    key: "POST /api/admin/uploads/[id]/cancel",
    as: "admin",
    runs: 400,
    arb: () =>
      fc
        .tuple(
          fc.oneof(
            fc.uuid().map((u) => `upl_${u}`),
            weirdString,
          ),
          body({ to: fc.oneof(weirdString, fc.constantFrom("aborted", "expired")) }),
        )
        .map(([id, b]) => ({ ...b, params: { id } })),
  },
  {
    key: "POST /api/admin/jobs/replay",
    as: "admin",
    runs: 400,
    arb: (i) => body({ uploadIds: fc.oneof(anyValue, fc.array(uploadId([i.single]), { maxLength: 110 })) }),
  },
  {
    key: "POST /api/admin/jobs/discard",
    as: "admin",
    runs: 400,
    arb: (i) =>
      body({
        uploadIds: fc.oneof(anyValue, fc.array(uploadId([i.single]), { maxLength: 5 })),
        dlqIds: fc.oneof(anyValue, fc.array(weirdString, { maxLength: 5 })),
      }),
  },
  {
    key: "PATCH /api/admin/users/[id]",
    as: "admin",
    runs: 400,
    arb: (i) =>
      fc
        .tuple(fc.oneof(weirdString, fc.constant(i.userId)), body({ plan: fc.oneof(weirdString, fc.constantFrom("free", "pro", "gold")) }))
        .map(([id, b]) => ({ ...b, params: { id } })),
  },
];

describe("fuzzing every JSON route's body, params and query", () => {
  for (const target of TARGETS) {
    it(`${target.key}: ${target.runs} inputs, no 5xx, every refusal a 4xx JSON error that names the problem`, async () => {
      const route = handlers.get(target.key);
      // The target names a real route and method: a renamed route must fail here, not fuzz nothing.
      expect(typeof route?.handler, `${target.key} is a route handler`).toBe("function");
      expect(`${route?.method} ${route?.pattern}`).toBe(target.key);
      await fc.assert(
        fc.asyncProperty(target.arb(ids), async (input) => {
          total++;
          const res = await callPattern(route!.handler, route!.pattern, route!.method, input, { cookie: world.cookieOf(target.as), rawBody: input.rawBody });
          const shown = `${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
          expect(res.status, shown).toBeLessThan(500);
          if (res.status >= 400) {
            expect(typeof res.body?.error?.code, shown).toBe("string");
            expect(res.body.error.message, shown).toMatch(/\S{3}/);
            // A validation error starts with the field it is about (`size: must be …`).
            if (res.status === 422 && res.body.error.details?.issues) expect(res.body.error.message, shown).toMatch(/^[\w.]+: /);
          }
        }),
        { numRuns: target.runs },
      );
    }, 600_000);
  }

  it("ran at least 10,000 generated inputs in all", () => {
    expect(total).toBeGreaterThanOrEqual(10_000);
  });
});
