import { UPLOAD_KEY_PREFIX } from "./upload-id";

/** Only keys under the app's prefix are ours to delete: in a shared bucket everything else belongs to someone else. */
export const isAppKey = (key: string): boolean => key.startsWith(UPLOAD_KEY_PREFIX) && !key.split("/").includes("..");
