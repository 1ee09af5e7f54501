"use client";

import { useEffect, useState } from "react";
import type { Timestamp } from "@/lib/client/upload-types";

function toIso(value: Timestamp): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** Server HTML shows UTC; the browser then swaps in the reader's own time zone. */
export function LocalTime({ value, precise = false }: { value: Timestamp; precise?: boolean }) {
  const iso = toIso(value);
  const [text, setText] = useState(() => `${iso.slice(0, precise ? 19 : 16).replace("T", " ")} UTC`);
  useEffect(() => {
    const date = new Date(iso);
    setText(
      date.toLocaleString(undefined, {
        dateStyle: "medium",
        timeStyle: precise ? "medium" : "short",
      }),
    );
  }, [iso, precise]);
  return (
    <time dateTime={iso} title={iso}>
      {text}
    </time>
  );
}
