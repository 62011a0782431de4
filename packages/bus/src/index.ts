export * from "./bus";
export * from "./retry";
export * from "./topics";
