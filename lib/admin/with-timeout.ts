/** Bounds a call to a dependency, so one hung service cannot hang an admin page. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** An error's name and first line only: SDK errors can carry URLs with credentials. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return "unknown error";
  const name = error.name && error.name !== "Error" ? `${error.name}: ` : "";
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  return `${name}${error.message.split("\n")[0]}${cause ? ` (${cause})` : ""}`.replace(/\/\/[^@\s/]+@/g, "//***@").slice(0, 240);
}
