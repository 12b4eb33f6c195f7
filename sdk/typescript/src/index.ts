// recd-client: a small client for the recd recommendation server's REST API.
export { Client, type ClientOptions } from "./client.js";
export { RecdError, retryDelay } from "./errors.js";
export { routes, type Method, type Route } from "./routes.js";
export * from "./types.js";
