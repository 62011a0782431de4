/**
 * What an agency publishes about a dataset beyond its contract: the catalogue
 * metadata (body of `PUT /v1/datasets/:dataset/catalogue`). Update frequencies are
 * the EU Publications Office frequency authority table that DCAT-AP prescribes for
 * dct:accrualPeriodicity.
 */
import { z } from "zod";

/** Our frequency words → the code in http://publications.europa.eu/resource/authority/frequency. */
export const FREQUENCIES = {
  continuous: "CONT",
  daily: "DAILY",
  weekly: "WEEKLY",
  monthly: "MONTHLY",
  quarterly: "QUARTERLY",
  annual: "ANNUAL",
  irregular: "IRREG",
  unknown: "UNKNOWN",
} as const;
export type Frequency = keyof typeof FREQUENCIES;

const isoDate = z.iso.date();

export const catalogueMetadataSchema = z
  .object({
    title: z.string().trim().min(3).max(200),
    description: z.string().trim().max(4000).default(""),
    /** Period the records describe (dct:temporal), ISO 8601 dates; `to` open while it grows. */
    coverage: z
      .object({ from: isoDate, to: isoDate.optional() })
      .refine((c) => !c.to || c.to >= c.from, "coverage.to must not precede coverage.from")
      .optional(),
    updateFrequency: z
      .enum(Object.keys(FREQUENCIES) as [Frequency, ...Frequency[]])
      .default("unknown"),
    /** Law or decision under which the dataset can be requested (text, e.g. an article). */
    legalBasis: z.string().trim().min(3).max(500),
    /**
     * A content variable of type `date` holding the record's own date (event, reference
     * date): the quality report measures freshness from it to acceptance.
     */
    recordDateVariable: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/)
      .optional(),
    /** Language tags of the titles and descriptions (ISO 639-1), default ["en"]. */
    languages: z
      .array(z.string().regex(/^[a-z]{2}$/))
      .max(5)
      .default(["en"]),
  })
  .strict();
export type CatalogueMetadata = z.infer<typeof catalogueMetadataSchema>;
