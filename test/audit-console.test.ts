/**
 * The auditors' web console end to end, in headless Chromium (Debian's package,
 * driven by playwright-core; no browser download), against the five services after
 * the main job on FEBRL 4 persons 0–99: token, filters, pagination, entry detail,
 * verification (intact, then after tampering in PostgreSQL), checkpoints, and a
 * screenshot whose pixels are checked.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_CSP } from "../services/audit/src/console";
import { type Harness, startHarness } from "./harness";

const CHROMIUM = "/usr/bin/chromium";
const VIEWPORT = { width: 1280, height: 900 };
const GREEN: Rgb = [0x1a, 0x7f, 0x37]; // --ok in console.css
const RED: Rgb = [0xcf, 0x22, 0x2e]; // --bad in console.css
type Rgb = [number, number, number];

let h: Harness;
let context: BrowserContext;
let page: Page;
let profile: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  // 90 persons: every pair links (exact or PPRL), so one page of 100 holds all link decisions.
  h = await startHarness("e2e_audit", 11_000, 90);
  profile = mkdtempSync(join(tmpdir(), "kruispunt-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: VIEWPORT,
    deviceScaleFactor: 1,
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(m.text());
  });
  page.on("response", (r) => {
    if (r.status() >= 400) pageErrors.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
});

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await h?.stop();
});

const rows = () => page.locator("#timeline tbody tr");
const q1 = async <T>(sql: string, params: unknown[] = []): Promise<T> =>
  (await h.pool.query(sql, params)).rows[0]?.v as T;

/** Clicks `selector` and waits until the timeline has reloaded. */
async function reload(selector: string): Promise<void> {
  await page.click(selector);
  await page.waitForSelector('#timeline[aria-busy="false"]');
}

/** Screenshot to out/e2e_audit/NAME, decoded: size, and the share of `rgb` inside `box`. */
async function screenshot(
  name: string,
  box: { x: number; y: number; width: number; height: number },
) {
  mkdirSync(h.outDir, { recursive: true });
  const path = join(h.outDir, name);
  await page.screenshot({ path });
  const png = PNG.sync.read(readFileSync(path));
  const count = (rgb: Rgb, area?: typeof box) => {
    let n = 0;
    const [x0, y0, x1, y1] = area
      ? [
          Math.ceil(area.x),
          Math.ceil(area.y),
          Math.floor(area.x + area.width),
          Math.floor(area.y + area.height),
        ]
      : [0, 0, png.width, png.height];
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) {
        const i = (y * png.width + x) * 4;
        if (png.data[i] === rgb[0] && png.data[i + 1] === rgb[1] && png.data[i + 2] === rgb[2]) n++;
      }
    return n;
  };
  return {
    width: png.width,
    height: png.height,
    share: (rgb: Rgb) => count(rgb, box) / (Math.floor(box.width) * Math.floor(box.height)),
    total: (rgb: Rgb) => count(rgb),
  };
}

describe("audit console in headless Chromium", () => {
  it("serves the page with a CSP that allows no inline script", async () => {
    const response = await page.goto(`${h.urls.audit}/console`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    const html = await response?.text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/);
  });

  it("takes a bearer token, keeps it in sessionStorage only, and loads the log", async () => {
    const token = h.client.token({ sub: "auditor-console", role: "auditor" });
    await page.fill("#token", token);
    await page.click("#token-use");
    await page.locator("#message", { hasText: /^Token accepted\.$/ }).waitFor();
    await page.waitForSelector("#timeline tbody tr");
    expect(await page.evaluate("sessionStorage.getItem('kruispunt.auditToken')")).toBe(token);
    expect(await page.evaluate("localStorage.length")).toBe(0);
    expect(await page.inputValue("#token")).toBe("");
    const entries = await q1<number>("SELECT count(*)::int AS v FROM audit.entries");
    expect(await rows().count()).toBe(Math.min(100, entries));
    // A reload keeps the session's token and loads by itself.
    await page.reload();
    await page.locator("#message", { hasText: /^Token accepted\.$/ }).waitFor();
    await page.waitForSelector('#timeline[aria-busy="false"] tbody tr');
    expect(await rows().count()).toBe(Math.min(100, entries));
  });

  it("filters by action: one row per linked pair", async () => {
    const pairs = h.summary.linkage.linked_pairs;
    expect(pairs).toBeLessThan(100);
    await page.selectOption("#filter-action", "link.decision");
    await reload("#filter-apply");
    expect(await rows().count()).toBe(pairs);
    const actions = await page.$$eval("#timeline tbody tr td:nth-child(5)", (tds) =>
      tds.map((td) => td.textContent),
    );
    expect(new Set(actions)).toEqual(new Set(["link.decision"]));
    const first = await q1<number>(
      "SELECT min(seq)::int AS v FROM audit.entries WHERE action = 'link.decision'",
    );
    const last = await q1<number>(
      "SELECT max(seq)::int AS v FROM audit.entries WHERE action = 'link.decision'",
    );
    expect(await page.textContent("#page-info")).toBe(
      `Page 1: ${pairs} entries (seq ${first}–${last})`,
    );
    expect(await page.isDisabled("#page-next")).toBe(true);
  });

  it("pages through the filtered timeline", async () => {
    const pairs = h.summary.linkage.linked_pairs;
    await page.selectOption("#filter-limit", "25");
    await reload("#filter-apply");
    const seen: string[] = [];
    let pages = 1;
    for (;;) {
      seen.push(
        ...(await page.$$eval("#timeline tbody tr", (trs) =>
          trs.map((tr) => tr.getAttribute("data-seq") ?? ""),
        )),
      );
      if (await page.isDisabled("#page-next")) break;
      await reload("#page-next");
      pages++;
    }
    expect(pages).toBe(Math.ceil(pairs / 25));
    expect(new Set(seen).size).toBe(pairs);
    await reload("#page-prev");
    expect(await page.textContent("#page-info")).toMatch(
      new RegExp(`^Page ${pages - 1}: 25 entries`),
    );
  });

  it("filters by actor, object prefix and time range", async () => {
    await reload("#filter-reset");
    await page.fill("#filter-actor", "committee-demo");
    await reload("#filter-apply");
    expect(
      await page.$$eval("#timeline tbody tr td:nth-child(5)", (tds) =>
        tds.map((td) => td.textContent),
      ),
    ).toEqual(["project.approve"]);
    await page.fill("#filter-actor", "");
    await page.fill("#filter-object", "project:");
    await reload("#filter-apply");
    const projectEntries = await q1<number>(
      "SELECT count(*)::int AS v FROM audit.entries WHERE starts_with(object, 'project:')",
    );
    expect(await rows().count()).toBe(projectEntries);
    await page.fill("#filter-from", "2099-01-01T00:00:00");
    await reload("#filter-apply");
    expect(await rows().count()).toBe(0);
    expect(await page.textContent("#page-info")).toBe("Page 1: no entries");
    await reload("#filter-reset");
  });

  it("shows an entry's detail with all fields and hashes", async () => {
    await page.selectOption("#filter-action", "link.decision");
    await reload("#filter-apply");
    await rows().first().click();
    await page.waitForSelector("#detail:not([hidden])");
    const detail = await page.$$eval("#detail dt", (dts) =>
      Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])),
    );
    const seq = Number(detail.seq);
    const row = (await h.pool.query("SELECT * FROM audit.entries WHERE seq = $1", [seq])).rows[0];
    expect(detail).toEqual({
      seq: String(seq),
      eventId: row.event_id,
      occurredAt: row.occurred_at,
      service: "linker",
      actor: "linker",
      role: "service",
      action: "link.decision",
      object: row.object,
      reference: "null",
      counts: JSON.stringify(row.counts, null, 1),
      details: JSON.stringify(row.details, null, 1),
      prevHash: row.prev_hash,
      hash: row.hash,
    });
  });

  it("lists the signed checkpoints", async () => {
    const checkpoints = await q1<number>("SELECT count(*)::int AS v FROM audit.checkpoints");
    expect(checkpoints).toBeGreaterThanOrEqual(1);
    expect(await page.locator("#checkpoints tbody tr").count()).toBe(checkpoints);
  });

  it("verifies the chain and shows it in green; the screenshot shows it too", async () => {
    await page.click("#verify-button");
    await page.waitForSelector("#verify-result.ok");
    await page.waitForSelector("#verify-button:enabled"); // the page has reloaded the log too
    const entries = await q1<number>("SELECT count(*)::int AS v FROM audit.entries");
    expect(await page.textContent("#verify-result")).toBe(`Chain verified: ${entries} entries`);
    const box = await page.locator("#verify-result").boundingBox();
    if (!box) throw new Error("the verify badge is not visible");
    const shot = await screenshot("console.png", box);
    expect([shot.width, shot.height]).toEqual([VIEWPORT.width, VIEWPORT.height]);
    expect(shot.share(GREEN)).toBeGreaterThan(0.6); // the rest is white text
    expect(shot.total(RED)).toBe(0);
  });

  it("after an entry is changed in PostgreSQL, shows the first bad entry in red", async () => {
    const seq = await q1<number>(
      "SELECT min(seq)::int + 2 AS v FROM audit.entries WHERE action = 'link.decision'",
    );
    const client = await h.pool.connect();
    try {
      await client.query("SET session_replication_role = replica");
      await client.query("UPDATE audit.entries SET actor = 'mallory' WHERE seq = $1", [seq]);
    } finally {
      await client.query("SET session_replication_role = origin");
      client.release();
    }
    await page.click("#verify-button");
    await page.waitForSelector("#verify-result.bad");
    await page.waitForSelector("#verify-button:enabled");
    expect(await page.textContent("#verify-result")).toBe(
      `Chain broken at entry ${seq}: hash-mismatch`,
    );
    expect(await page.textContent("#verify-note")).toBe(`${seq - 1} entries verified before it`);
    await page.waitForSelector(`#detail.bad[data-seq="${seq}"]`);
    const detail = await page.$$eval("#detail dt", (dts) =>
      Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])),
    );
    expect(detail).toMatchObject({
      verification: "fails here: hash-mismatch",
      seq: String(seq),
      actor: "mallory",
    });
    const row = page.locator(`#timeline tbody tr[data-seq="${seq}"]`);
    expect(await row.getAttribute("class")).toBe("selected bad");
    expect(await row.locator("td:nth-child(4)").textContent()).toBe("mallory");
    const box = await page.locator("#verify-result").boundingBox();
    if (!box) throw new Error("the verify badge is not visible");
    const shot = await screenshot("console-broken.png", box);
    expect(shot.share(RED)).toBeGreaterThan(0.6);
    expect(shot.total(GREEN)).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
