import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { nextCookies } from "better-auth/next-js";
import { admin } from "better-auth/plugins";
import { getDb } from "@/lib/db/client";
import * as schema from "@/lib/db/schema";
import { getEnv } from "@/lib/env";

function createAuth() {
  const env = getEnv();
  const appOrigin = new URL(env.APP_URL).origin;
  return betterAuth({
    appName: "Biblio",
    baseURL: env.APP_URL,
    secret: env.BETTER_AUTH_SECRET,
    // localhost and 127.0.0.1 are the same app locally; anything else is cross-site.
    trustedOrigins: [appOrigin, appOrigin.replace("localhost", "127.0.0.1"), appOrigin.replace("127.0.0.1", "localhost")],
    database: drizzleAdapter(getDb(), {
      provider: "pg",
      schema: { user: schema.user, session: schema.session, account: schema.account, verification: schema.verification },
    }),
    emailAndPassword: { enabled: true, minPasswordLength: 8, maxPasswordLength: 128, autoSignIn: true },
    session: {
      expiresIn: 60 * 60 * 24 * 7,
      // A signed cookie cache spares a DB read per API call; a minute of staleness is
      // fine because role and plan are re-read from the user row where they matter.
      cookieCache: { enabled: true, maxAge: 60 },
    },
    user: {
      additionalFields: {
        plan: { type: "string", defaultValue: "free", input: false },
      },
    },
    // Our limits (lib/rate-limit, app/api/auth) replace better-auth's: they are shared
    // by every instance in Postgres and read the IP only from a trusted proxy header,
    // where better-auth's are per instance and trust a client-set X-Forwarded-For.
    rateLimit: { enabled: false },
    advanced: {
      useSecureCookies: env.APP_URL.startsWith("https://"),
      // Sessions record the client IP only from the trusted proxy header, never a client-set one.
      ipAddress: env.TRUSTED_IP_HEADER ? { ipAddressHeaders: [env.TRUSTED_IP_HEADER] } : { disableIpTracking: true },
    },
    plugins: [admin({ defaultRole: "user", adminRoles: ["admin"] }), nextCookies()],
  });
}

type Auth = ReturnType<typeof createAuth>;
let auth: Auth | undefined;

/** The one auth instance; built lazily so importing a route never parses env at build time. */
export function getAuth(): Auth {
  auth ??= createAuth();
  return auth;
}
