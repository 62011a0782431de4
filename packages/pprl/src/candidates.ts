/**
 * Candidate pairs from blocking keys: every (left, right) pair sharing at least one
 * key, each pair once however many keys it shares (so it is scored once).
 */
import type { Encoding } from "./encode";

/**
 * Indices [i, j] into `left` and `right` of the pairs that share a blocking key,
 * in increasing order of i then j, without duplicates.
 */
export function candidatePairs(
  left: readonly Encoding[],
  right: readonly Encoding[],
): [number, number][] {
  const blocks = new Map<string, number[]>();
  right.forEach((e, j) => {
    for (const key of e.blockingKeys) {
      const list = blocks.get(key);
      if (list) list.push(j);
      else blocks.set(key, [j]);
    }
  });
  const pairs: [number, number][] = [];
  left.forEach((e, i) => {
    const seen = new Set<number>();
    for (const key of e.blockingKeys) for (const j of blocks.get(key) ?? []) seen.add(j);
    for (const j of [...seen].sort((a, b) => a - b)) pairs.push([i, j]);
  });
  return pairs;
}
