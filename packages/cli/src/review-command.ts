/**
 * Commands for the clerical reviewer (role `reviewer`) over the linker's HTTP API
 * (services/linker/src/review-routes.ts, parameter-routes.ts): the review queue, and the
 * Fellegi–Sunter parameters and their EM estimate on the deployment's own pairs.
 * `--as NAME` is the token subject: the reviewer acting.
 */
import { parseArgs } from "node:util";
import type { Claims } from "@kruispunt/auth";
import type { KruispuntClient } from "./client";

/** The outcome of one parameter estimate (GET /v1/linkage/parameters/estimates/:id). */
export interface ParameterEstimate {
  estimateId: number;
  status: "done" | "refused" | "failed";
  version: number | null;
  result: {
    pairs: number;
    patterns: number;
    candidates: number;
    links: number;
    unlinks: number;
    moved: number;
    review: number;
  } | null;
  reason: string | null;
}

/**
 * Starts an estimate as `as` (POST /v1/linkage/parameters/estimate) and polls its status
 * every `pollMs` until it has ended (done, refused or failed); rejects after `timeoutMs`
 * (default 10 minutes: 100,000 records took about a minute on two quiet cores).
 */
export async function runEstimate(
  client: KruispuntClient,
  as: Claims,
  pollMs = 500,
  timeoutMs = 600_000,
): Promise<ParameterEstimate> {
  const { estimateId } = await client.request<{ estimateId: number }>(
    "linker",
    "POST",
    "/v1/linkage/parameters/estimate",
    as,
    {},
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await client.request<Omit<ParameterEstimate, "status"> & { status: string }>(
      "linker",
      "GET",
      `/v1/linkage/parameters/estimates/${estimateId}`,
      as,
    );
    if (s.status !== "running") return { ...s, status: s.status as ParameterEstimate["status"] };
    if (Date.now() > deadline)
      throw new Error(`estimate ${estimateId} still running after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** One line saying what an estimate did. */
export function estimateLine(e: ParameterEstimate): string {
  return e.status === "done" && e.result
    ? `m and u estimated by EM on ${e.result.pairs} candidate pairs (${e.result.patterns} comparison patterns), version ${e.version}; relinked: ${e.result.links} link(s) added, ${e.result.unlinks} ended, ${e.result.review} pair(s) newly in review`
    : `parameter estimate ${e.status} (${e.reason}); the parameters in force stay`;
}

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

/**
 * `review list --as R [--limit N]` (pending pairs: references, weight, levels),
 * `review resolve --as R --id N --decision link|no_link --reason TEXT`,
 * `review parameters --as R` (m, u and weights in force) and
 * `review estimate --as R` (EM on the store's candidate pairs, then a relink; waits and
 * prints the outcome). Returns the exit code: 1 when the estimate was refused or failed,
 * 2 for a usage error; a refused request rejects with the service's ApiError.
 */
export async function reviewCommand(args: string[], client: KruispuntClient): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      as: { type: "string" },
      limit: { type: "string" },
      id: { type: "string" },
      decision: { type: "string" },
      reason: { type: "string" },
    },
    strict: false,
  });
  if (!values.as) return usage();
  const as: Claims = { sub: String(values.as), role: "reviewer" };
  if (sub === "list") {
    const limit = values.limit ? `?limit=${encodeURIComponent(String(values.limit))}` : "";
    print(await client.request("linker", "GET", `/v1/review${limit}`, as));
    return 0;
  }
  if (sub === "resolve" && values.id && values.decision && values.reason) {
    print(
      await client.request(
        "linker",
        "POST",
        `/v1/review/${encodeURIComponent(String(values.id))}/resolution`,
        as,
        { decision: values.decision, reason: values.reason },
      ),
    );
    return 0;
  }
  if (sub === "parameters") {
    print(await client.request("linker", "GET", "/v1/linkage/parameters", as));
    return 0;
  }
  if (sub === "estimate") {
    const outcome = await runEstimate(client, as);
    console.log(estimateLine(outcome));
    return outcome.status === "done" ? 0 : 1;
  }
  return usage();
}

function usage(): number {
  console.error(
    "usage: kruispunt review list|resolve|parameters|estimate --as R [--limit N] [--id N --decision link|no_link --reason TEXT]",
  );
  return 2;
}
