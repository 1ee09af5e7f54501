import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // A test world can build beside another (BIBLIO_TEST_SLOT): each slot its own build dir.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  poweredByHeader: false,
  // Loaded from node_modules at run time: its WebAssembly file is read from disk (lib/processors/probe.ts).
  // ffmpeg-installer resolves its platform's binary package at run time.
  serverExternalPackages: ["mediainfo.js", "@ffmpeg-installer/ffmpeg"],
  turbopack: {
    resolveAlias: {
      // On Edge the ESM xml-builder reaches for DOMParser, which does not exist there;
      // the CJS build parses XML in plain JS (Create/Complete/List multipart need it).
      // A project-relative path: Turbopack ignores an absolute one here.
      "@aws-sdk/xml-builder": "./node_modules/@aws-sdk/xml-builder/dist-cjs/index.js",
      // Uppy's sizes in the app's binary units (MiB, not "MB" for 1024² bytes).
      "@transloadit/prettier-bytes": "./lib/format/uppy-bytes.ts",
    },
  },
};

export default nextConfig;
