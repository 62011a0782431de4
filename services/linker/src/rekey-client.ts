/** Calls the pseudonymiser's POST /v1/rekey as the linker (role `service`). */
import { issueToken } from "@kruispunt/auth";
import type { Rekeyer, RekeyResult } from "./key-state";

/**
 * A Rekeyer over HTTP. Rejects (so the Kafka batch is redelivered later) if the
 * pseudonymiser does not answer 200.
 */
export function httpRekeyer(pseudonymiserUrl: string, jwtSecret: string): Rekeyer {
  return async (fromVersion, pseudonyms) => {
    const token = issueToken(jwtSecret, { sub: "linker", role: "service" }, 300);
    const response = await fetch(`${pseudonymiserUrl}/v1/rekey`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ fromVersion, pseudonyms }),
    });
    if (!response.ok) throw new Error(`pseudonymiser /v1/rekey answered ${response.status}`);
    return (await response.json()) as RekeyResult;
  };
}
