import { JsonBlock } from "@/components/admin/json-block";
import type { AdminUploadDetail } from "@/lib/admin/get-admin-upload-detail";

/** The upload's messages in the QStash DLQ, when it has any (or the DLQ cannot be read). */
export function UploadDlq({ dlq }: { dlq: AdminUploadDetail["dlq"] }) {
  if (!dlq.entries.length && !dlq.error) return null;
  return (
    <section className="admin-section" aria-labelledby="dlq">
      <h2 id="dlq">Dead-letter queue</h2>
      {dlq.error ? <p className="admin-alert">The DLQ could not be read: {dlq.error}</p> : null}
      {dlq.entries.map((e) => (
        <dl key={e.dlqId} className="admin-kv admin-panel">
          <dt>DLQ id</dt>
          <dd className="admin-mono">{e.dlqId}</dd>
          <dt>Message</dt>
          <dd className="admin-mono">{e.messageId}</dd>
          <dt>Last response</dt>
          <dd>
            {e.responseStatus ?? "—"} {e.responseBody ? <JsonBlock value={e.responseBody} compact /> : null}
          </dd>
        </dl>
      ))}
    </section>
  );
}

/** Each processor's stored result, as JSON. */
export function ProcessorResults({ result }: { result: unknown }) {
  const results = result && typeof result === "object" ? Object.entries(result) : [];
  return (
    <section className="admin-section" aria-labelledby="results">
      <h2 id="results">Processor results</h2>
      {results.length ? (
        <div className="admin-panels">
          {results.map(([name, value]) => (
            <div key={name} className="admin-panel">
              <h3>{name}</h3>
              <JsonBlock value={value} />
            </div>
          ))}
        </div>
      ) : (
        <p className="admin-note">No results recorded.</p>
      )}
    </section>
  );
}
