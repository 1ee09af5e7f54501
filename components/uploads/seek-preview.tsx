"use client";

import { type KeyboardEvent, type MouseEvent, useEffect, useId, useState } from "react";
import { cueAt, type StoryboardCue } from "@/lib/derived/storyboard-cues";

type Props = { video: HTMLVideoElement; cues: StoryboardCue[] };

/** `m:ss` (or `h:mm:ss`), as players label times. */
export function clockLabel(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hms = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  return hms[0] ? `${hms[0]}:${String(hms[1]).padStart(2, "0")}:${String(hms[2]).padStart(2, "0")}` : `${hms[1]}:${String(hms[2]).padStart(2, "0")}`;
}

/**
 * A seek bar under the native <video> that shows the storyboard tile for the time under
 * the pointer, or the time chosen with the arrow keys, and seeks there on click or
 * Enter. The native controls stay as they are; this is a second, previewing way to seek.
 * The slider is what assistive technology reads (its value and a hint); the tile is
 * decorative and hidden from it.
 */
export function SeekPreview({ video, cues }: Props) {
  const hintId = useId();
  const lastCue = cues[cues.length - 1];
  const [duration, setDuration] = useState(() => (Number.isFinite(video.duration) ? video.duration : (lastCue?.end ?? 0)));
  const [current, setCurrent] = useState(video.currentTime);
  const [hover, setHover] = useState<number | null>(null);
  // The time the arrow keys chose: previewed, not played until Enter.
  const [chosen, setChosen] = useState<number | null>(null);
  const [focused, setFocused] = useState(false);

  useEffect(() => {
    const onTime = () => setCurrent(video.currentTime);
    const onMeta = () => Number.isFinite(video.duration) && setDuration(video.duration);
    video.addEventListener("timeupdate", onTime);
    video.addEventListener("seeked", onTime);
    video.addEventListener("loadedmetadata", onMeta);
    return () => {
      video.removeEventListener("timeupdate", onTime);
      video.removeEventListener("seeked", onTime);
      video.removeEventListener("loadedmetadata", onMeta);
    };
  }, [video]);

  const clamp = (t: number) => Math.min(duration, Math.max(0, t));
  const timeAtPointer = (e: MouseEvent<HTMLDivElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    return clamp(((e.clientX - rect.left) / rect.width) * duration);
  };
  const seek = (t: number) => {
    video.currentTime = t;
    setCurrent(t);
    setChosen(null);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    setFocused(true);
    const from = chosen ?? current;
    // Arrows go from tile to tile (each press shows the next frame of the storyboard), by index, not by adding spans.
    const i = Math.max(
      0,
      cues.findLastIndex((c) => c.start <= from),
    );
    const here = cues[i]?.start ?? 0;
    const next: Record<string, number> = {
      ArrowRight: cues[i + 1]?.start ?? duration,
      ArrowUp: cues[i + 1]?.start ?? duration,
      ArrowLeft: from > here + 0.001 ? here : (cues[i - 1]?.start ?? 0),
      ArrowDown: from > here + 0.001 ? here : (cues[i - 1]?.start ?? 0),
      PageUp: from + duration / 10,
      PageDown: from - duration / 10,
      Home: 0,
      End: duration,
    };
    if (e.key in next) setChosen(clamp(next[e.key]!));
    else if (e.key === "Enter" || e.key === " ") seek(from);
    else if (e.key === "Escape") setChosen(null);
    else return;
    e.preventDefault();
  };

  const value = chosen ?? current;
  const previewTime = hover ?? (focused ? value : null);
  const cue = previewTime === null ? null : cueAt(cues, previewTime);
  const at = (t: number) => (duration > 0 ? (t / duration) * 100 : 0);

  return (
    <div className="seek">
      <div
        className="seek-bar"
        role="slider"
        tabIndex={0}
        aria-label="Seek with previews"
        aria-valuemin={0}
        aria-valuemax={Math.round(duration)}
        aria-valuenow={Math.round(value)}
        aria-valuetext={`${clockLabel(value)} of ${clockLabel(duration)}`}
        aria-describedby={hintId}
        data-testid="seek-bar"
        onPointerMove={(e) => setHover(timeAtPointer(e))}
        onPointerLeave={() => setHover(null)}
        onClick={(e) => seek(timeAtPointer(e))}
        onKeyDown={onKeyDown}
        // A click focuses the bar too; only keyboard focus keeps a preview up once the pointer leaves.
        onFocus={(e) => setFocused(e.currentTarget.matches(":focus-visible"))}
        onBlur={() => {
          setFocused(false);
          setChosen(null);
        }}
      >
        <div className="seek-fill" style={{ width: `${at(current)}%` }} />
        {chosen !== null && <div className="seek-mark" style={{ left: `${at(chosen)}%` }} />}
        {cue && previewTime !== null && (
          <div
            className="seek-preview"
            aria-hidden="true"
            data-testid="seek-preview"
            data-cue-start={cue.start}
            style={{ left: `clamp(0px, calc(${at(previewTime)}% - ${cue.w / 2}px), calc(100% - ${cue.w}px))`, width: cue.w }}
          >
            <div
              className="seek-tile"
              data-testid="seek-tile"
              style={{ width: cue.w, height: cue.h, backgroundImage: `url("${cue.url}")`, backgroundPosition: `-${cue.x}px -${cue.y}px` }}
            />
            <span className="seek-time" data-testid="seek-time">
              {clockLabel(previewTime)}
            </span>
          </div>
        )}
      </div>
      <p id={hintId} className="muted seek-hint">
        Hover, or use the arrow keys, to preview a moment; click or press Enter to play from there.
      </p>
    </div>
  );
}
