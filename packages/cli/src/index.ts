export * from "./agency-command";
export * from "./client";
export * from "./demo/febrl";
export * from "./demo/main-job";
export * from "./extract-fetch";
export * from "./keys";
export * from "./submit-command";
export * from "./supervisor";
