export const DEFAULT_AFTER_SIGN_IN = "/projects";

/** Only same-site paths may follow sign-in; anything else would be an open redirect. */
export function safeNext(next: string | string[] | undefined | null): string {
  const value = Array.isArray(next) ? next[0] : next;
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return DEFAULT_AFTER_SIGN_IN;
  // A signed-in visit to these pages redirects to `next`; pointing back at them would loop.
  if (/^\/sign-(in|up)(?:[/?#]|$)/.test(value)) return DEFAULT_AFTER_SIGN_IN;
  return value;
}
