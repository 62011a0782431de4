export * from "./database";
export type { Pool, PoolClient } from "pg";
