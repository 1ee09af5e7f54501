export { startQstashServer, type QstashServerOptions, type QstashServerHandle } from "./server.js";
export { DEV_USERS, DEV_USER_1 } from "./dev-users.js";
