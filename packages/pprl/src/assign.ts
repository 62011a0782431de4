/**
 * Decisions on scored pairs: link, clerical review or no link, one-to-one.
 *
 * Rule (greedy best-score-first, as anonlink's greedy solver): pairs are taken in
 * order of decreasing score (ties: by left, then right reference, so the result does
 * not depend on input order). A pair whose score is at least `link` becomes a link
 * when neither record already has one; a pair scoring at least `review` (and below
 * `link`, or above it but with a record already linked) goes to clerical review
 * when neither record is linked nor already in review; everything else is no link.
 * Each record therefore ends in at most one link and at most one review item per
 * dataset pair, and raising `link` never adds a link.
 */

export interface ScoredPair {
  left: string;
  right: string;
  score: number;
}

export interface Thresholds {
  /** Match weight at or above which a pair links. */
  link: number;
  /** Match weight at or above which a pair not linked goes to clerical review. */
  review: number;
}

export interface Assignment {
  links: ScoredPair[];
  review: ScoredPair[];
}

/** Applies the one-to-one greedy rule above to the pairs of one dataset pair. */
export function assignOneToOne(pairs: readonly ScoredPair[], t: Thresholds): Assignment {
  const ordered = [...pairs].sort(
    (a, b) =>
      b.score - a.score ||
      (a.left < b.left ? -1 : a.left > b.left ? 1 : 0) ||
      (a.right < b.right ? -1 : a.right > b.right ? 1 : 0),
  );
  const linked = new Set<string>();
  const links: ScoredPair[] = [];
  for (const pair of ordered) {
    if (pair.score < t.link) break;
    if (linked.has(`L${pair.left}`) || linked.has(`R${pair.right}`)) continue;
    linked.add(`L${pair.left}`);
    linked.add(`R${pair.right}`);
    links.push(pair);
  }
  const held = new Set<string>();
  const review: ScoredPair[] = [];
  for (const pair of ordered) {
    if (pair.score < t.review) break;
    const l = `L${pair.left}`;
    const r = `R${pair.right}`;
    if (linked.has(l) || linked.has(r) || held.has(l) || held.has(r)) continue;
    held.add(l);
    held.add(r);
    review.push(pair);
  }
  return { links, review };
}
