export type { Pool, PoolClient } from "pg";
export * from "./database";
