import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { safeNextPath } from "./safe-next-path";
import { getSessionUser } from "./session";

type AuthSearchParams = Promise<{ next?: string | string[] }>;

/** The sign-in and sign-up pages: a signed-in visitor goes straight on to the safe `next`. */
export async function redirectIfSignedIn(searchParams: AuthSearchParams): Promise<string> {
  const next = safeNextPath((await searchParams).next);
  if (await getSessionUser(await headers())) redirect(next);
  return next;
}
