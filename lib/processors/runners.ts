import type { ProcessorName, ProcessorResultOf } from "./catalog";
import { CHECKSUM_PROCESSOR } from "./checksum";
import { PROBE_PROCESSOR } from "./probe";
import type { Processor } from "./processor";
import { SNIFF_PROCESSOR } from "./sniff";
import { STORYBOARD_PROCESSOR } from "./storyboard";
import { THUMBNAIL_PROCESSOR } from "./thumbnail";

/** The server half of each catalog entry (server-only: S3 SDK, ffmpeg). A missing entry is a type error. */
export const RUNNERS: { [N in ProcessorName]: Processor<ProcessorResultOf<N>> } = {
  sniff: SNIFF_PROCESSOR,
  checksum: CHECKSUM_PROCESSOR,
  probe: PROBE_PROCESSOR,
  thumbnail: THUMBNAIL_PROCESSOR,
  storyboard: STORYBOARD_PROCESSOR,
};
