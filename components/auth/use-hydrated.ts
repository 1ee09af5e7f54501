import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * False in server HTML and during hydration. A form submitted before React takes over
 * would fall back to a native GET, putting the password in the URL and the server logs.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
