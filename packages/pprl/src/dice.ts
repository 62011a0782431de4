/**
 * The Dice coefficient of two field filters, from @kruispunt/dice (plain JavaScript
 * per pair; its WebAssembly batch kernel serves one-query-many-candidates scans).
 * Every other module of this package calls only these two.
 */
export { dice, popcount } from "@kruispunt/dice";
