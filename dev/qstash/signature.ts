import { createHash, createHmac, randomBytes } from "node:crypto";

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
const JTI_BASE = `jwt_${randomBytes(10).toString("hex")}`;
let jtiCounter = 0;

export function bodyHash(body: Buffer): string {
  return createHash("sha256").update(body).digest("base64url");
}

/**
 * Mints the Upstash-Signature JWT. Keyed with the UTF-8 bytes of the key string itself (not
 * base64-decoded), as the official Receiver does. A fresh token per attempt because exp is 5 min
 * and retries can be hours apart.
 */
export function signJwt(key: string, sub: string, bodyHashB64url: string, nowMs = Date.now()): string {
  const iat = Math.floor(nowMs / 1000);
  const payload = {
    iss: "Upstash",
    sub,
    exp: iat + 300,
    nbf: iat,
    iat,
    jti: JTI_BASE + (++jtiCounter).toString(16),
    body: bodyHashB64url,
  };
  const input = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  const sig = createHmac("sha256", key).update(input).digest("base64url");
  return `${input}.${sig}`;
}
