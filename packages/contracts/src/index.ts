export * from "./dataset-contract";
export * from "./events";
export * from "./record-schema";
