import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

type Source = string | ArrayBuffer | ArrayBufferView;
type Hasher = { update(data: Uint8Array): unknown; digest(): Uint8Array };

function toBytes(data: Source): Uint8Array {
  if (typeof data === "string") return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/**
 * SHA-256 and HMAC-SHA-256 for SigV4 presigning, computed synchronously in JS.
 *
 * On the Edge runtime the SDK's default hashes through WebCrypto, which costs several
 * promises and a key import per HMAC. Presigning 100 part URLs takes ~500 of them, and in
 * Next's Edge sandbox on Node 20 every promise also pays for async-context propagation:
 * most of a sign request's CPU went there. Presigning only hashes a few hundred bytes per
 * URL, where a synchronous implementation is far cheaper. Bodies are never hashed here.
 */
export class SyncSha256 {
  private readonly secret: Uint8Array | undefined;
  private hasher!: Hasher;

  constructor(secret?: Source) {
    this.secret = secret === undefined ? undefined : toBytes(secret);
    this.reset();
  }

  update(data: Source): void {
    this.hasher.update(toBytes(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hasher.digest());
  }

  reset(): void {
    this.hasher = this.secret ? hmac.create(sha256, this.secret) : sha256.create();
  }
}
