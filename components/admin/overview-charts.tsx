"use client";

import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, type XAxisTickContentProps, YAxis } from "recharts";
import type { OverviewBucket } from "@/lib/admin/get-overview";
import type { UploadSource } from "@/lib/db/schema";
import { formatBytes } from "@/lib/plans/plans";

/** One chart bucket, as the server computes it (lib/admin/get-overview.ts). */
export type ChartBucket = OverviewBucket;

export type LatencyRow = { source: string; p50Ms: number | null; p95Ms: number | null; samples: number; exactSamples: number };

export const SOURCE_COLORS: Record<UploadSource, string> = {
  client: "#2f5bd3",
  "storage-event": "#1f7a4d",
  sweep: "#a15c00",
  poll: "#7a3fb3",
};

const GRID = "#e2e3e0";
const TICK = { fontSize: 12, fill: "#5d6168" };

function tickTime(bucketSeconds: number) {
  return (iso: string) => {
    const d = new Date(iso);
    const hm = `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
    return bucketSeconds >= 6 * 3600 ? `${String(d.getUTCMonth() + 1).padStart(2, "0")}-${String(d.getUTCDate()).padStart(2, "0")} ${hm}` : hm;
  };
}

const bytes = formatBytes;

export function ms(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  if (n < 1000) return `${Math.round(n)} ms`;
  if (n < 60_000) return `${(n / 1000).toFixed(1)} s`;
  return `${(n / 60_000).toFixed(1)} min`;
}

/** Legend words in the text colour: the swatch shows the series colour, and light series colours (p95) fail contrast as text. */
const legendText = (value: string) => <span style={{ color: "var(--text)" }}>{value}</span>;

/**
 * A source name on two lines at its hyphen ("storage-" / "event"): on a phone four one-line
 * names do not fit under the bars, and Recharts would drop the ones that overlap.
 */
function SourceTick({ x, y, payload }: XAxisTickContentProps) {
  const parts = String(payload.value).split(/(?<=-)/);
  return (
    <text x={x} y={y} dy={12} textAnchor="middle" fontSize={TICK.fontSize} fill={TICK.fill}>
      {parts.map((part, i) => (
        <tspan key={part} x={x} dy={i ? 14 : 0}>
          {part}
        </tspan>
      ))}
    </text>
  );
}

const tooltipLabel = (label: unknown) => (typeof label === "string" && label.includes("T") ? `${label.slice(0, 16).replace("T", " ")} UTC` : String(label));

/** Uploads confirmed per bucket, stacked by the trigger source that won. */
export function ConfirmationsChart({ data, bucketSeconds }: { data: ChartBucket[]; bucketSeconds: number }) {
  return (
    <figure className="admin-chart" data-testid="chart-confirmations">
      <ResponsiveContainer width="100%" height={260}>
        <BarChart data={data} margin={{ top: 12, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis dataKey="at" tickFormatter={tickTime(bucketSeconds)} tick={TICK} minTickGap={24} />
          <YAxis allowDecimals={false} tick={TICK} width={44} />
          <Tooltip labelFormatter={tooltipLabel} />
          <Legend formatter={legendText} />
          {Object.entries(SOURCE_COLORS).map(([source, color]) => (
            <Bar key={source} dataKey={source} stackId="src" fill={color} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Room for the last time label (centred on the right edge) and for dots drawn on the plot's edges. */
const CHART_MARGIN = { top: 12, right: 24, bottom: 0, left: 4 };
const X_PADDING = { left: 8, right: 8 };

/** Files per hour, confirmed and processed, and bytes per hour. */
export function ThroughputChart({ data, bucketSeconds }: { data: ChartBucket[]; bucketSeconds: number }) {
  return (
    <figure className="admin-chart" data-testid="chart-throughput">
      <ResponsiveContainer width="100%" height={260}>
        <LineChart data={data} margin={CHART_MARGIN}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis dataKey="at" tickFormatter={tickTime(bucketSeconds)} tick={TICK} minTickGap={24} padding={X_PADDING} />
          <YAxis yAxisId="files" tick={TICK} width={44} allowDecimals={false} />
          <YAxis yAxisId="bytes" orientation="right" tick={TICK} width={84} tickFormatter={(v: number) => bytes(v)} />
          <Tooltip
            labelFormatter={tooltipLabel}
            formatter={(value, name) => (String(name).includes("bytes") ? bytes(Number(value)) : Math.round(Number(value) * 10) / 10)}
          />
          <Legend formatter={legendText} />
          <Line yAxisId="files" dataKey="confirmedPerHour" name="confirmed files/h" stroke="#2f5bd3" dot={false} isAnimationActive={false} />
          <Line yAxisId="files" dataKey="processedPerHour" name="processed files/h" stroke="#1f7a4d" dot={false} isAnimationActive={false} />
          <Line
            yAxisId="bytes"
            dataKey="processedBytesPerHour"
            name="processed bytes/h"
            stroke="#a15c00"
            strokeDasharray="4 3"
            dot={false}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Trigger latency p50 and p95 per source, on a log scale: the sources differ by orders of magnitude. */
export function TriggerLatencyChart({ data }: { data: LatencyRow[] }) {
  const rows = data.map((r) => ({ ...r, p50: r.p50Ms === null ? null : Math.max(1, r.p50Ms), p95: r.p95Ms === null ? null : Math.max(1, r.p95Ms) }));
  return (
    <figure className="admin-chart" data-testid="chart-trigger-latency">
      <ResponsiveContainer width="100%" height={260}>
        <BarChart data={rows} margin={{ top: 12, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis dataKey="source" tick={SourceTick} interval={0} height={40} />
          <YAxis
            scale="log"
            domain={[1, (dataMax: number) => Math.max(10, dataMax * 2)]}
            allowDataOverflow
            tick={TICK}
            width={68}
            tickFormatter={(v: number) => ms(v)}
          />
          <Tooltip formatter={(value) => ms(Number(value))} />
          <Legend formatter={legendText} />
          <Bar dataKey="p50" name="p50" fill="#2f5bd3" isAnimationActive={false} />
          <Bar dataKey="p95" name="p95" fill="#9bb3f0" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Upload-to-processed latency per bucket. */
export function ProcessingLatencyChart({ data, bucketSeconds }: { data: ChartBucket[]; bucketSeconds: number }) {
  return (
    <figure className="admin-chart" data-testid="chart-processing-latency">
      <ResponsiveContainer width="100%" height={260}>
        <LineChart data={data} margin={CHART_MARGIN}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis dataKey="at" tickFormatter={tickTime(bucketSeconds)} tick={TICK} minTickGap={24} padding={X_PADDING} />
          <YAxis tick={TICK} width={68} domain={[0, "auto"]} tickFormatter={(v: number) => ms(v)} />
          <Tooltip labelFormatter={tooltipLabel} formatter={(value) => ms(Number(value))} />
          <Legend formatter={legendText} />
          <Line dataKey="processedP50Ms" name="p50" stroke="#1f7a4d" connectNulls dot={{ r: 3 }} isAnimationActive={false} />
          <Line dataKey="processedP95Ms" name="p95" stroke="#a15c00" connectNulls dot={{ r: 3 }} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
