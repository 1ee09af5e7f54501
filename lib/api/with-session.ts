import { getSessionUser, type SessionUser } from "@/lib/auth/session";
import { ApiError, handleError } from "./errors";
import { assertSameOrigin } from "./same-origin";

type RouteContext<P> = { params: Promise<P> };
type Handler<P> = (ctx: { req: Request; params: P; user: SessionUser }) => Promise<Response>;

function wrap<P>(role: "user" | "admin", handler: Handler<P>) {
  return async (req: Request, ctx: RouteContext<P>): Promise<Response> => {
    try {
      assertSameOrigin(req);
      const user = await getSessionUser(req.headers);
      if (!user) throw new ApiError("unauthorized", "Sign in to continue.");
      // Admin routes answer 404 to everyone else, so their existence does not leak.
      if (role === "admin" && user.role !== "admin") throw new ApiError("not_found", "Not found.");
      return await handler({ req, params: await ctx.params, user });
    } catch (error) {
      return handleError(error, `${req.method} ${new URL(req.url).pathname}`);
    }
  };
}

/** For routes a signed-in user calls from the uploader. */
export const withSession = <P = Record<string, never>>(handler: Handler<P>) => wrap("user", handler);

/** For routes only admins may call. */
export const withAdmin = <P = Record<string, never>>(handler: Handler<P>) => wrap("admin", handler);
