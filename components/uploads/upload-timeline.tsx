import type { Timestamp, UploadEvent } from "@/lib/client/upload-types";
import { LocalTime } from "./local-time";

const ms = (value: Timestamp) => (value instanceof Date ? value.getTime() : Date.parse(value));

function formatOffset(offsetMs: number): string {
  if (offsetMs < 1000) return `+${Math.round(offsetMs)} ms`;
  if (offsetMs < 60_000) return `+${(offsetMs / 1000).toFixed(2)} s`;
  const minutes = Math.floor(offsetMs / 60_000);
  return `+${minutes} min ${Math.round((offsetMs % 60_000) / 1000)} s`;
}

function humanize(type: string): string {
  const words = type.replace(/[._-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function describeDetail(detail: unknown): string | null {
  if (detail == null || detail === "") return null;
  if (typeof detail === "string") return detail;
  if (typeof detail !== "object") return String(detail);
  const entries = Object.entries(detail as Record<string, unknown>).filter(([, v]) => v != null && v !== "");
  if (!entries.length) return null;
  return entries.map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`).join(" · ");
}

/** Every state change, oldest first, with the time since the upload was created. */
export function UploadTimeline({ events }: { events: UploadEvent[] }) {
  if (!events.length) return <p className="muted">No events yet.</p>;
  const sorted = [...events].sort((a, b) => ms(a.at) - ms(b.at));
  const start = ms(sorted[0]!.at);
  return (
    <ol className="timeline" data-testid="upload-timeline">
      {sorted.map((event, i) => {
        const detail = describeDetail(event.detail);
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: events carry no id and (at, type) can repeat; the list is sorted by time and only grows at the end, so an event keeps its index.
          <li key={`${i}-${event.type}`} className="timeline-item" data-event-type={event.type}>
            <div className="timeline-head">
              <strong>{humanize(event.type)}</strong>
              {event.source && <span className="badge">{event.source}</span>}
              <span className="muted timeline-offset">{formatOffset(ms(event.at) - start)}</span>
            </div>
            <div className="muted timeline-meta">
              <LocalTime value={event.at} precise />
              {detail && <span className="timeline-detail"> — {detail}</span>}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
