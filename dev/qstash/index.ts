export { DEV_USER_1, DEV_USERS } from "./dev-users.js";
export { type IdleStatus, type WaitIdleOptions, waitForIdle, waitForQstashIdle } from "./idle.js";
export { type QstashServerHandle, type QstashServerOptions, startQstashServer } from "./server.js";
