/**
 * The dataset contract that describes synthetic records (the body of
 * `PUT /v1/datasets/:dataset`): INSZ as the identifier, name, birth date, sex and
 * address as quasi-identifiers (never forwarded raw), region and the three content
 * variables as variables.
 */
import { EMPLOYMENT_STATUSES } from "./person";

export const SYNTHETIC_CONTRACT = {
  identifier: { field: "insz", scheme: "be-insz" },
  sourceRecordId: "record_id",
  quasiIdentifiers: [
    "given_name",
    "surname",
    "sex",
    "date_of_birth",
    "street",
    "house_number",
    "postcode",
    "municipality",
  ],
  variables: [
    {
      name: "region",
      type: "category",
      description: "Region of residence, from the postcode",
      allowedValues: ["flanders", "wallonia", "brussels"],
    },
    {
      name: "employment_status",
      type: "category",
      description: "Main socio-economic position",
      allowedValues: [...EMPLOYMENT_STATUSES],
    },
    {
      name: "monthly_income_eur",
      type: "integer",
      unit: "EUR",
      description: "Gross monthly income, rounded to 10 EUR",
    },
    {
      name: "sick_leave_days",
      type: "integer",
      unit: "days",
      description: "Days of sick leave in the reference year (0–365)",
    },
  ],
} as const;
