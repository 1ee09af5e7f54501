import { getSessionUser, type SessionUser } from "@/lib/auth/session";
import { clientIp } from "@/lib/rate-limit/client-ip";
import { consumeRateLimit } from "@/lib/rate-limit/consume-rate-limit";
import type { RateLimitName } from "@/lib/rate-limit/limits";
import { ApiError, handleError } from "./errors";
import { assertSameOrigin } from "./same-origin";

type RouteContext<P> = { params: Promise<P> };
type Handler<P> = (ctx: { req: Request; params: P; user: SessionUser }) => Promise<Response>;
type Options = { rateLimit?: RateLimitName };

function wrap<P>(role: "user" | "admin", handler: Handler<P>, options: Options = {}) {
  return async (req: Request, ctx: RouteContext<P>): Promise<Response> => {
    try {
      if (role === "user") assertSameOrigin(req);
      const user = await getSessionUser(req.headers);
      if (role === "admin") {
        // Admin routes answer 404 to everyone else, anonymous callers included, so their existence does not leak.
        if (user?.role !== "admin") throw new ApiError("not_found", "Not found.");
        assertSameOrigin(req);
      }
      if (!user) throw new ApiError("unauthorized", "Sign in to continue.");
      if (options.rateLimit) await consumeRateLimit(options.rateLimit, { user: user.id, ip: clientIp(req.headers) });
      return await handler({ req, params: await ctx.params, user });
    } catch (error) {
      return handleError(error, `${req.method} ${new URL(req.url).pathname}`);
    }
  };
}

/** For routes a signed-in user calls from the uploader; `rateLimit` names its allowance in lib/rate-limit. */
export const withSession = <P = Record<string, never>>(handler: Handler<P>, options?: Options) => wrap("user", handler, options);

/** For routes only admins may call. */
export const withAdmin = <P = Record<string, never>>(handler: Handler<P>) => wrap("admin", handler);
