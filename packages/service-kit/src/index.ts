export * from "./app";
export * from "./audit-trail";
export * from "./config";
export * from "./context";
export * from "./errors";
export * from "./openapi";
export * from "./paths";
