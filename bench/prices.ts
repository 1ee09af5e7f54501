// Published list prices the benchmarks turn request counts into money with. One place, each
// with its source and the date it was read. This machine has no internet: the figures are
// the published ones as last read by hand, not fetched; check the sources before quoting.

export type Price = { usd: number; per: number; what: string; source: string; asOf: string };

/** AWS S3 Standard, us-east-1, request pricing. */
export const S3_PRICES = {
  /** PUT, COPY, POST and LIST requests (ListObjectsV2, ListParts and ListMultipartUploads are LIST). */
  putListClass: {
    usd: 0.005,
    per: 1_000,
    what: "S3 Standard PUT, COPY, POST, LIST requests",
    source: "https://aws.amazon.com/s3/pricing/",
    asOf: "2025 (unchanged since 2018; read from the published page, not fetched here)",
  },
  /** GET, SELECT and all other requests (HEAD is billed as a GET). */
  getClass: {
    usd: 0.0004,
    per: 1_000,
    what: "S3 Standard GET, SELECT and all other requests (HEAD included)",
    source: "https://aws.amazon.com/s3/pricing/",
    asOf: "2025 (unchanged since 2018; read from the published page, not fetched here)",
  },
  /** DELETE and CANCEL (AbortMultipartUpload) are free. */
  deleteClass: { usd: 0, per: 1_000, what: "S3 DELETE and CANCEL requests", source: "https://aws.amazon.com/s3/pricing/", asOf: "2025" },
} satisfies Record<string, Price>;

/** Upstash QStash pay-as-you-go: every message published counts (a schedule firing is one). */
export const QSTASH_PRICES = {
  message: {
    usd: 1,
    per: 100_000,
    what: "QStash pay-as-you-go, per message",
    source: "https://upstash.com/pricing/qstash",
    asOf: "2025 (read from the published page, not fetched here)",
  },
} satisfies Record<string, Price>;

export const usdFor = (count: number, price: Price) => (count * price.usd) / price.per;
