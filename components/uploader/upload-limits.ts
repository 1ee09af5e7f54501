/**
 * Part PUTs in flight per page. Six matches Chromium's connections per host over HTTP/1.1,
 * which is how most S3-compatible stores answer; more would only queue in the browser.
 */
export const PART_UPLOAD_CONCURRENCY = 6;
