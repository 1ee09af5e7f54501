/** How many leading bytes the sniffers look at; one ranged GET fetches exactly this. */
export const SNIFF_BYTES = 64;

type Signature = { mime: string; test: (b: Uint8Array) => boolean };

const ascii = (b: Uint8Array, offset: number, text: string) =>
  text.split("").every((ch, i) => b[offset + i] === ch.charCodeAt(0));
const bytes = (b: Uint8Array, offset: number, sig: number[]) => sig.every((v, i) => b[offset + i] === v);

// Order matters: ISO-BMFF brands must be read before the generic mp4 fallback.
const SIGNATURES: Signature[] = [
  { mime: "application/pdf", test: (b) => ascii(b, 0, "%PDF-") },
  { mime: "image/png", test: (b) => bytes(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { mime: "image/jpeg", test: (b) => bytes(b, 0, [0xff, 0xd8, 0xff]) },
  { mime: "image/gif", test: (b) => ascii(b, 0, "GIF87a") || ascii(b, 0, "GIF89a") },
  { mime: "image/webp", test: (b) => ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP") },
  { mime: "audio/wav", test: (b) => ascii(b, 0, "RIFF") && ascii(b, 8, "WAVE") },
  { mime: "video/x-msvideo", test: (b) => ascii(b, 0, "RIFF") && ascii(b, 8, "AVI ") },
  { mime: "video/quicktime", test: (b) => ascii(b, 4, "ftyp") && ascii(b, 8, "qt  ") },
  { mime: "image/avif", test: (b) => ascii(b, 4, "ftyp") && (ascii(b, 8, "avif") || ascii(b, 8, "avis")) },
  { mime: "image/heic", test: (b) => ascii(b, 4, "ftyp") && (ascii(b, 8, "heic") || ascii(b, 8, "heix") || ascii(b, 8, "mif1")) },
  { mime: "audio/mp4", test: (b) => ascii(b, 4, "ftyp") && (ascii(b, 8, "M4A ") || ascii(b, 8, "M4B ")) },
  { mime: "video/mp4", test: (b) => ascii(b, 4, "ftyp") },
  // QuickTime files without ftyp start directly with a moov/mdat/wide atom.
  { mime: "video/quicktime", test: (b) => ["moov", "mdat", "wide", "free"].some((atom) => ascii(b, 4, atom)) },
  { mime: "video/webm", test: (b) => bytes(b, 0, [0x1a, 0x45, 0xdf, 0xa3]) && findAscii(b, "webm") },
  { mime: "video/x-matroska", test: (b) => bytes(b, 0, [0x1a, 0x45, 0xdf, 0xa3]) },
  { mime: "audio/ogg", test: (b) => ascii(b, 0, "OggS") },
  { mime: "audio/flac", test: (b) => ascii(b, 0, "fLaC") },
  { mime: "audio/mpeg", test: (b) => ascii(b, 0, "ID3") || (b[0] === 0xff && (b[1]! & 0xe0) === 0xe0 && (b[1]! & 0x06) !== 0) },
  { mime: "audio/aac", test: (b) => b[0] === 0xff && (b[1]! & 0xf6) === 0xf0 },
];

function findAscii(b: Uint8Array, text: string): boolean {
  const limit = Math.min(b.length, SNIFF_BYTES) - text.length;
  for (let i = 0; i <= limit; i++) if (ascii(b, i, text)) return true;
  return false;
}

/** The real type of a file from its first bytes, or null when nothing matches. */
export function sniffType(head: Uint8Array): string | null {
  return SIGNATURES.find((s) => s.test(head))?.mime ?? null;
}

/** "video/mp4" and "video/quicktime" are the same family; a PNG declared as video is not. */
export function sameFamily(declared: string, real: string): boolean {
  const family = (t: string) => (t === "application/pdf" ? "pdf" : t.split("/")[0]);
  return family(declared.toLowerCase()) === family(real.toLowerCase());
}
