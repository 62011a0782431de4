/** Errors of the disclosure package. */
import type { KAnonymityReport } from "./types";

/** Machine-readable code of DisclosureRefusedError (stable across messages). */
export const DISCLOSURE_REFUSED = "KRP_ERR_DISCLOSURE_REFUSED";

/**
 * The extract cannot be made k-anonymous within the suppression budget, so it
 * must not be released. Carries the report of the best attempt (all
 * quasi-identifiers at their top level) so the refusal can be audited.
 */
export class DisclosureRefusedError extends Error {
  readonly code = DISCLOSURE_REFUSED;
  readonly report: KAnonymityReport;
  override readonly name = "DisclosureRefusedError";

  constructor(report: KAnonymityReport, maxSuppressedShare: number) {
    super(
      `k-anonymity with k=${report.k} needs ${report.suppressed} of ${report.rows} rows suppressed, ` +
        `more than the allowed share ${maxSuppressedShare}`,
    );
    this.report = report;
  }
}
