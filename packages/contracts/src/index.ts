export * from "./dataset-contract";
export * from "./events";
