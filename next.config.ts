import type { NextConfig } from "next";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  turbopack: {
    resolveAlias: {
      // On Edge the ESM xml-builder reaches for DOMParser, which does not exist there;
      // the CJS build parses XML in plain JS (Create/Complete/List multipart need it).
      "@aws-sdk/xml-builder": require.resolve("@aws-sdk/xml-builder/dist-cjs/index.js"),
    },
  },
};

export default nextConfig;
