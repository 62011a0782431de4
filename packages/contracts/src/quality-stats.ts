/**
 * The linker's per-dataset counts for the data-quality reports (issue 9), as
 * `GET /v1/quality/datasets` on the linker returns them and intake's report reads them.
 * Counts only: no record id, pseudonym or variable.
 */

/** One dataset's linkage against one other dataset. */
export interface DatasetLinkage {
  /** The other dataset, AGENCY/DATASET. */
  dataset: string;
  /** This dataset's current records in a cluster with a record of the other dataset. */
  linked: number;
  /** linked / records, rounded to 4 decimals (0 for an empty dataset). */
  rate: number;
  /** linked records by link-decision method (a record linked by two methods counts in both). */
  byMethod: Record<string, number>;
}

/** One dataset's counts in the linkage store. */
export interface DatasetQualityStats {
  agency: string;
  dataset: string;
  records: number;
  withdrawn: number;
  /** Records whose linkage pseudonym another current record of the same dataset shares. */
  duplicateIdentifierRecords: number;
  /** Groups of such records (one per shared pseudonym). */
  duplicateIdentifierGroups: number;
  /** When the dataset's most recently stored record reached the linkage store (ISO 8601), or null. */
  lastStoredAt: string | null;
  linkage: DatasetLinkage[];
}
