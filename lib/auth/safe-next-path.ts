export const DEFAULT_AFTER_SIGN_IN = "/projects";

const ORIGIN = "http://biblio.invalid";
// Browsers drop tabs and newlines inside URLs and read `\` as `/`, so `/\t/evil.example`
// or `/\evil.example` turns into the protocol-relative `//evil.example`.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this regex's job.
const UNSAFE_CHARS = /[\u0000-\u001f\u007f\\]/;

function isUnsafe(path: string): boolean {
  return !path.startsWith("/") || path.startsWith("//") || UNSAFE_CHARS.test(path);
}

/**
 * The one check for where sign-in and sign-up may send the browser next: a same-origin
 * path, or the default. Used by the pages' server redirect and by the forms' client
 * navigation, so neither can become an open redirect.
 */
export function safeNextPath(next: string | string[] | undefined | null): string {
  const value = Array.isArray(next) ? next[0] : next;
  if (!value || value.length > 2048 || isUnsafe(value)) return DEFAULT_AFTER_SIGN_IN;
  let decoded: string;
  let url: URL;
  try {
    decoded = decodeURIComponent(value);
    url = new URL(value, ORIGIN);
  } catch {
    return DEFAULT_AFTER_SIGN_IN;
  }
  if (isUnsafe(decoded) || url.origin !== ORIGIN) return DEFAULT_AFTER_SIGN_IN;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Dot segments can normalise into `//host` (`/.//evil.example`).
  if (isUnsafe(path)) return DEFAULT_AFTER_SIGN_IN;
  // A signed-in visit to these pages redirects to `next`; pointing back at them would loop.
  if (/^\/sign-(in|up)(?:[/?#]|$)/.test(url.pathname)) return DEFAULT_AFTER_SIGN_IN;
  return path;
}
