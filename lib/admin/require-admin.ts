import "@/lib/db/node";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { cache } from "react";
import { getSessionUser, type SessionUser } from "@/lib/auth/session";

/**
 * The admin page guard. Everyone but an admin (anonymous visitors included) gets the
 * 404 page, so the dashboard's existence does not leak. The layout and every page call
 * it: Next renders a layout and its page concurrently, so a guard in the layout alone
 * would not stop a page's queries from running. `cache` makes it one session lookup.
 */
export const requireAdminPage = cache(async (): Promise<SessionUser> => {
  const user = await getSessionUser(await headers());
  if (user?.role !== "admin") notFound();
  return user;
});
