const MAX_NAME_BYTES = 255;
const MAX_KEY_NAME_CHARS = 120;

/** Why a display name is refused outright (it is otherwise kept as typed). */
export function nameProblem(name: string): string | null {
  if (name.trim().length === 0) return "must not be empty";
  if (new TextEncoder().encode(name).byteLength > MAX_NAME_BYTES) return `must be at most ${MAX_NAME_BYTES} bytes`;
  return null;
}

/**
 * The file-name part of a storage key. The display name may hold anything a person
 * typed; the key gets a conservative ASCII form so that no client text ever becomes a
 * path (no separators, no dot segments, no control characters).
 */
export function safeKeyName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const dot = base.lastIndexOf(".");
  const rawExt = dot > 0 ? base.slice(dot + 1) : "";
  const ext = clean(rawExt).replace(/[.-]/g, "").slice(0, 10).toLowerCase();
  const stem = clean(dot > 0 ? base.slice(0, dot) : base).slice(0, MAX_KEY_NAME_CHARS - ext.length - 1);
  return (stem || "file") + (ext ? `.${ext}` : "");
}

function clean(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[.-]+|[.-]+$/g, "");
}
