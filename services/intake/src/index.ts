/**
 * @kruispunt/intake as a library, for benchmarks and end-to-end tests: the app
 * (buildApp), the per-batch admitter (intake.records, intake.verdicts), the
 * back-pressure gate and the catalogue's DCAT export. The service itself starts
 * from main.ts.
 */
export { type AdmitOptions, createAdmitter } from "./admit";
export { buildApp } from "./app";
export { backlogGate } from "./backlog";
export { catalogueToDcat, DCAT_AP_CONTEXT } from "./catalogue/dcat";
export { validateDcat } from "./catalogue/dcat-validate";
