export * from "./dataset-contract";
export * from "./events";
export * from "./quality-stats";
export * from "./record-schema";
