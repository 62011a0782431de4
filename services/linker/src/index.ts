/**
 * @kruispunt/linker as a library, for end-to-end tests and benchmarks: the exact linkage
 * applied batch by batch and the reference directory. The service starts from main.ts.
 */

export { decisionAuditEntry, type LinkDecision } from "./decisions";
export {
  type DirectoryAnswer,
  type DirectoryHolder,
  lookupDirectory,
  updateDirectory,
} from "./directory";
export { DIRECTORY_ROLES, directoryRoutes } from "./directory-routes";
export { type LinkOutcome, linkRecords } from "./exact-linkage";
export type { Rekeyer } from "./key-state";
