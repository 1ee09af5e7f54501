import { formatBytes } from "@/lib/plans/plans";

/**
 * Stands in for `@transloadit/prettier-bytes` (aliased in next.config.ts): that package
 * divides by 1024 but labels the result "MB", while the app says "MiB". Uppy's file
 * cards and status bar now speak the app's units.
 */
export default function prettierBytes(bytes: number): string {
  return formatBytes(bytes);
}
