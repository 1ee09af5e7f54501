import { log } from "@/lib/log";
import { isTrustedSubscribeUrl } from "./parse-storage-event";

const CONFIRM_TIMEOUT_MS = 5_000;

/**
 * SNS asks an HTTP subscriber to GET its SubscribeURL once. The request already passed
 * authentication, but the URL is still only fetched when it is SNS's own https endpoint:
 * anything else would let a caller make this server GET arbitrary URLs (SSRF). Other
 * URLs are logged for an operator to confirm by hand.
 */
export async function confirmSubscription(subscribeUrl: string, topicArn: string | null) {
  if (!isTrustedSubscribeUrl(subscribeUrl)) {
    log.warn("SNS subscription not auto-confirmed (untrusted URL); confirm it by hand", { topicArn, subscribeUrl });
    return { subscription: "recorded" as const, topicArn };
  }
  const res = await fetch(subscribeUrl, { signal: AbortSignal.timeout(CONFIRM_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`SNS subscription confirmation answered ${res.status}`);
  log.info("confirmed SNS subscription", { topicArn });
  return { subscription: "confirmed" as const, topicArn };
}
