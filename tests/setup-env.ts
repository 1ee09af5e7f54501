import "@/lib/db/node";
import { readRunningStack } from "../dev/stack/stack";

// `./dev/test` passes the stack's environment; a bare `npx vitest` borrows it from a
// running `./dev/up`. Without either, service tests fail and say which variable is missing.
if (!process.env.POSTGRES_URL) {
  const running = readRunningStack();
  if (running) Object.assign(process.env, running.env);
}
