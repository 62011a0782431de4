export * from "./app";
export * from "./audit-trail";
export * from "./config";
export * from "./errors";
export * from "./paths";
export * from "./context";
