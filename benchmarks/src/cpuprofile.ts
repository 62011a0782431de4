/**
 * Reading V8 `.cpuprofile` files (from `node --cpu-prof`, e.g. the services' under
 * KRUISPUNT_PROFILE_DIR) for cpuprofile-summary.ts and service-profile.ts: the node
 * tree, each node's parent, and the files of a directory newest first.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  /** Node id of each sample. */
  samples: number[];
  /** Microseconds since the previous sample. */
  timeDeltas: number[];
}

/** The `.cpuprofile` files in `dir`, newest first. */
export function profilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
}

/** A profile with its nodes by id and each node's parent id. */
export function readProfile(file: string): {
  profile: Profile;
  byId: Map<number, ProfileNode>;
  parent: Map<number, number>;
} {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  return { profile, byId, parent };
}
