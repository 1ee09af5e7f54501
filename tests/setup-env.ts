import "@/lib/db/node";

// `./dev/test` passes its stack's environment. A bare `npx vitest` borrows the services of
// a running test-world stack (`BIBLIO_WORLD=test ./dev/up --no-app`), never the developer's
// `./dev/up`: tests write, and the developer's data must stay untouched. Without either,
// service tests fail and say which variable is missing.
if (!process.env.POSTGRES_URL) {
  process.env.BIBLIO_WORLD = "test";
  const { readRunningStack } = await import("../dev/stack/stack");
  const running = readRunningStack();
  if (running) Object.assign(process.env, running.env);
}
