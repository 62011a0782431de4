/**
 * Service-to-service HTTP calls (role `service`, a short-lived token signed with the
 * shared issuer secret), for the few places one service asks another for
 * aggregates: e.g. intake asks the linker for linkage rates, release asks intake's
 * catalogue which variables exist.
 */
import { issueToken } from "@kruispunt/auth";
import { KrpError } from "./errors";

/**
 * GETs `path` from `baseUrl` as service `caller` and resolves with the parsed JSON.
 * Rejects with KRP_ERR_UNAVAILABLE (503) when the service is unreachable or does not
 * answer 200, so the caller's client can retry.
 */
export async function serviceGet<T>(
  baseUrl: string,
  jwtSecret: string,
  caller: string,
  path: string,
): Promise<T> {
  const token = issueToken(jwtSecret, { sub: caller, role: "service" }, 60);
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(30_000),
    });
  } catch {
    throw new KrpError("KRP_ERR_UNAVAILABLE", `${new URL(baseUrl).host} did not answer`);
  }
  if (!response.ok)
    throw new KrpError(
      "KRP_ERR_UNAVAILABLE",
      `${new URL(baseUrl).host} answered ${response.status} to ${path.split("?")[0]}`,
    );
  return (await response.json()) as T;
}
