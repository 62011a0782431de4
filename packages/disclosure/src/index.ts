/**
 * @kruispunt/disclosure — statistical disclosure control applied to extracts
 * before the release service hands them to researchers.
 */
export { DISCLOSURE_REFUSED, DisclosureRefusedError } from "./errors";
export { hierarchies } from "./hierarchies";
export { enforceKAnonymity } from "./k-anonymity";
export { KAnonymityPlanner, type QuasiIdentifier, type ReleasePlan } from "./planner";
export type { Cell, Hierarchy, KAnonymityOptions, KAnonymityReport } from "./types";
