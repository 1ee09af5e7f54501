export { startQstashServer, type QstashServerOptions, type QstashServerHandle } from "./server.js";
export { DEV_USERS, DEV_USER_1 } from "./dev-users.js";
export { waitForQstashIdle, waitForIdle, type IdleStatus, type WaitIdleOptions } from "./idle.js";
