// Node entry to the DB module. Node 20 has no global WebSocket (Node 22 does; Next's
// Node runtime does not add one), so the Neon driver needs the `ws` package here.
// Edge code must keep importing `./client`: `ws` does not run on Edge.
import { neonConfig } from "@neondatabase/serverless";
import ws from "ws";

neonConfig.webSocketConstructor = ws;

// Named, not `export *`: tsx loads these .ts files as CommonJS, and Node cannot see
// star re-exports of a CommonJS module from an ESM importer.
export { closeDb, configureNeon, createPool, type Db, getDb } from "./client";
