"use client";

import { useEffect, useState } from "react";
import { errorMessage } from "@/lib/client/api-client";
import { downloadHref, getFileUrl } from "@/lib/client/owner-files-api";
import { getStoryboardCues, storyboardVttHref } from "@/lib/client/storyboard-api";
import type { StoryboardCue } from "@/lib/derived/storyboard-cues";
import type { FileUrl } from "@/lib/uploads/download-url";
import { SeekPreview } from "./seek-preview";

type Props = { uploadId: string; name: string; contentType: string };

/**
 * The file itself: native <video>/<audio> on a signed, range-capable URL (the browser
 * seeks with Range requests straight to storage), with the poster; images shown; PDFs
 * and everything else as links. The URL lives an hour: a player that fails after that
 * fetches a fresh one once. A video with a storyboard gets a seek bar with previews.
 */
export function Player({ uploadId, name, contentType }: Props) {
  const [file, setFile] = useState<FileUrl | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [renewals, setRenewals] = useState(0);
  const [videoEl, setVideoEl] = useState<HTMLVideoElement | null>(null);
  const [cues, setCues] = useState<StoryboardCue[] | null>(null);
  const [cuesError, setCuesError] = useState(false);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a renewal re-fetches the URL on purpose.
  useEffect(() => {
    const controller = new AbortController();
    getFileUrl(uploadId, "inline", controller.signal).then(setFile, (e: unknown) => {
      if (!controller.signal.aborted) setError(errorMessage(e));
    });
    return () => controller.abort();
  }, [uploadId, renewals]);

  const renew = () => {
    if (renewals < 1 && file && Date.parse(file.expiresAt) - Date.now() < 5 * 60_000) setRenewals((n) => n + 1);
  };

  const kind = contentType.split("/")[0];
  const poster = file?.derived.thumbnail?.url;
  const storyboard = file?.derived.storyboard;
  const storyboardVtt = file?.derived["storyboard-vtt"];
  const hasStoryboard = kind === "video" && Boolean(storyboard && storyboardVtt);

  // The tiles come from the storyboard route, whose cues carry signed sprite URLs.
  useEffect(() => {
    if (!hasStoryboard) return;
    const controller = new AbortController();
    getStoryboardCues(uploadId, controller.signal).then(setCues, () => {
      if (!controller.signal.aborted) setCuesError(true);
    });
    return () => controller.abort();
  }, [uploadId, hasStoryboard]);

  return (
    <div className="player" data-testid="player">
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {file && kind === "video" && (
        <div className="player-stage">
          {/* biome-ignore lint/a11y/useMediaCaption: user uploads come without captions; there is nothing to offer. */}
          <video
            ref={setVideoEl}
            className="player-media"
            controls
            preload="metadata"
            playsInline
            src={file.url}
            poster={poster}
            onError={renew}
            data-testid="player-video"
            aria-label={`Video: ${name}`}
          />
          {videoEl && cues && cues.length > 0 && <SeekPreview video={videoEl} cues={cues} />}
          {cuesError && <p className="muted">Seek previews could not be loaded; the video's own controls still seek.</p>}
        </div>
      )}
      {file && kind === "audio" && (
        // biome-ignore lint/a11y/useMediaCaption: user uploads come without captions; there is nothing to offer.
        <audio className="player-audio" controls preload="metadata" src={file.url} onError={renew} data-testid="player-audio" aria-label={`Audio: ${name}`} />
      )}
      {file && kind === "image" && (
        // biome-ignore lint/performance/noImgElement: a signed S3 URL, not an asset next/image could optimise.
        <img className="player-media" src={file.url} alt={name} data-testid="player-image" />
      )}
      {file && kind !== "video" && kind !== "audio" && kind !== "image" && (
        <p>
          <a href={file.url} target="_blank" rel="noopener noreferrer" data-testid="player-open">
            Open {contentType === "application/pdf" ? "the PDF" : "the file"} in a new tab
          </a>
        </p>
      )}
      {file && kind === "video" && poster && (
        <figure className="player-poster">
          {/* biome-ignore lint/performance/noImgElement: a signed S3 URL, not an asset next/image could optimise. */}
          <img src={poster} alt={`Poster frame of ${name}`} data-testid="player-poster" />
          <figcaption className="muted">Poster</figcaption>
        </figure>
      )}
      <p className="player-links">
        <a className="button secondary small" href={downloadHref(uploadId)} data-testid="download-link">
          Download
        </a>
        {storyboard && (
          <a href={storyboard.url} target="_blank" rel="noopener noreferrer" data-testid="storyboard-link">
            Storyboard (sprite sheet)
          </a>
        )}
        {storyboardVtt && (
          // The route's copy: its cues point at a signed sprite URL, so other players can load it too.
          <a href={storyboardVttHref(uploadId)} target="_blank" rel="noopener noreferrer" data-testid="storyboard-vtt-link">
            Seek previews (WebVTT)
          </a>
        )}
      </p>
    </div>
  );
}
