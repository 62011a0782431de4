// Kruispunt audit console: plain DOM code, no framework, no inline script (CSP).
// Every value from the API is written with textContent, never parsed as HTML.
"use strict";

const TOKEN_KEY = "kruispunt.auditToken";
const FIELDS = [
  "seq",
  "eventId",
  "occurredAt",
  "service",
  "actor",
  "role",
  "action",
  "object",
  "reference",
  "counts",
  "details",
  "prevHash",
  "hash",
];

const $ = (id) => document.getElementById(id);
const state = {
  pages: [0], // afterSeq of each page visited; the last is the page shown
  next: null, // afterSeq of the next page, or null
  selected: null, // seq shown in the detail
  bad: null, // {seq, reason} from the last failed verification
};

/** Calls the audit API with the stored token; rejects with a readable Error. */
async function api(path, method = "GET") {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) throw new Error("Enter a bearer token first.");
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const reason = body?.message ?? response.statusText;
    const error = new Error(`${response.status} ${body?.code ?? ""}: ${reason}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

function say(text, isError = false) {
  const message = $("message");
  message.textContent = text;
  message.classList.toggle("error", isError);
}

function fail(error) {
  say(
    error.status === 401 || error.status === 403
      ? `The token was refused (${error.message}). Enter an auditor token.`
      : `Error: ${error.message}`,
    true,
  );
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  td.title = text ?? "";
  return td;
}

// ----- filters and timeline -----

/** A datetime-local value read as UTC → ISO-8601, or "" if empty. */
function utc(value) {
  if (!value) return "";
  const date = new Date(`${value}Z`);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString();
}

function filterQuery(afterSeq) {
  const q = new URLSearchParams({ afterSeq: String(afterSeq), limit: $("filter-limit").value });
  const set = (key, value) => value && q.set(key, value);
  set("action", $("filter-action").value);
  set("actor", $("filter-actor").value.trim());
  set("object", $("filter-object").value.trim());
  set("from", utc($("filter-from").value));
  set("to", utc($("filter-to").value));
  return q;
}

async function loadPage() {
  const table = $("timeline");
  table.setAttribute("aria-busy", "true");
  try {
    const afterSeq = state.pages[state.pages.length - 1];
    const page = await api(`/v1/audit/entries?${filterQuery(afterSeq)}`);
    state.next = page.nextAfterSeq;
    renderTimeline(page.entries);
    const first = page.entries[0]?.seq;
    const last = page.entries[page.entries.length - 1]?.seq;
    $("page-info").textContent =
      page.entries.length === 0
        ? `Page ${state.pages.length}: no entries`
        : `Page ${state.pages.length}: ${page.entries.length} entries (seq ${first}–${last})`;
    $("page-prev").disabled = state.pages.length === 1;
    $("page-next").disabled = state.next === null;
  } catch (error) {
    fail(error);
  } finally {
    table.setAttribute("aria-busy", "false");
  }
}

function renderTimeline(entries) {
  const rows = entries.map((e) => {
    const tr = document.createElement("tr");
    tr.dataset.seq = String(e.seq);
    tr.tabIndex = 0;
    for (const value of [
      String(e.seq),
      e.occurredAt,
      e.service,
      e.actor,
      e.action,
      e.object,
      e.reference,
    ])
      tr.append(cell(value));
    markRow(tr);
    return tr;
  });
  $("timeline").tBodies[0].replaceChildren(...rows);
}

function markRow(tr) {
  const seq = Number(tr.dataset.seq);
  tr.classList.toggle("selected", seq === state.selected);
  tr.classList.toggle("bad", seq === state.bad?.seq);
}

function markRows() {
  for (const tr of $("timeline").tBodies[0].rows) markRow(tr);
}

function firstPage() {
  state.pages = [0];
  return loadPage();
}

// ----- entry detail -----

function showDetail(entry, missingSeq) {
  const dl = $("detail");
  const seq = entry ? entry.seq : missingSeq;
  state.selected = seq;
  const items = [];
  const add = (name, value, className) => {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value;
    if (className) dd.className = className;
    items.push(dt, dd);
  };
  if (state.bad && state.bad.seq === seq)
    add("verification", `fails here: ${state.bad.reason}`, "failure");
  if (entry) {
    for (const field of FIELDS) {
      const value = entry[field];
      add(
        field,
        typeof value === "object" && value !== null
          ? JSON.stringify(value, null, 1)
          : String(value),
      );
    }
  } else add("seq", `${missingSeq}: no such entry in the log (removed?)`, "failure");
  dl.replaceChildren(...items);
  dl.classList.toggle("bad", state.bad?.seq === seq);
  dl.dataset.seq = String(seq);
  dl.hidden = false;
  $("detail-empty").hidden = true;
  markRows();
}

/** Shows entry `seq` as the log holds it now (fetched again: the page may be stale). */
async function openEntry(seq) {
  try {
    showDetail(await api(`/v1/audit/entries/${seq}`));
  } catch (error) {
    if (error.status === 404) showDetail(null, seq);
    else fail(error);
  }
}

// ----- verification, checkpoints, stats -----

async function verify() {
  const button = $("verify-button");
  const badge = $("verify-result");
  button.disabled = true;
  badge.hidden = true;
  $("verify-note").textContent = "Verifying…";
  try {
    const result = await api("/v1/audit/verify");
    badge.hidden = false;
    if (result.ok) {
      state.bad = null;
      badge.className = "badge ok";
      badge.textContent = `Chain verified: ${result.count} entries`;
      $("verify-note").textContent = `against ${result.checkpoints} signed checkpoint(s)`;
      if (state.selected !== null) await openEntry(state.selected);
    } else {
      state.bad = result.firstBad;
      badge.className = "badge bad";
      badge.textContent = `Chain broken at entry ${result.firstBad.seq}: ${result.firstBad.reason}`;
      $("verify-note").textContent = `${result.count} entries verified before it`;
      await openEntry(result.firstBad.seq);
    }
    // Show the log as it is now, next to the verdict on it.
    await Promise.all([loadStats(), loadCheckpoints(), loadPage()]);
  } catch (error) {
    $("verify-note").textContent = "";
    fail(error);
  } finally {
    button.disabled = false;
  }
}

async function loadCheckpoints() {
  const { checkpoints } = await api("/v1/audit/checkpoints");
  const rows = checkpoints.map((cp) => {
    const tr = document.createElement("tr");
    tr.dataset.seq = String(cp.seq);
    tr.tabIndex = 0;
    tr.append(
      cell(String(cp.seq)),
      cell(cp.signedAt),
      cell(`v${cp.keyVersion}`),
      cell(`${cp.hash.slice(0, 12)}…`),
    );
    tr.lastChild.title = cp.hash;
    return tr;
  });
  $("checkpoints").tBodies[0].replaceChildren(...rows);
}

async function loadStats() {
  const stats = await api("/v1/audit/stats");
  $("stats").textContent = stats.head
    ? `${stats.entries} entries; head ${stats.head.hash.slice(0, 16)}… at seq ${stats.head.seq}`
    : "The log is empty.";
  const select = $("filter-action");
  const chosen = select.value;
  const options = [new Option("any", "")];
  for (const [action, n] of Object.entries(stats.byAction))
    options.push(new Option(`${action} (${n})`, action));
  select.replaceChildren(...options);
  select.value = chosen;
}

async function loadAll() {
  try {
    await loadStats();
    await loadCheckpoints();
    for (const id of ["verify-button", "filter-apply", "checkpoint-sign"]) $(id).disabled = false;
    say("Token accepted.");
    await firstPage();
  } catch (error) {
    fail(error);
  }
}

// ----- wiring -----

function onRowActivate(tbody, handler) {
  tbody.addEventListener("click", (event) => {
    const tr = event.target.closest("tr");
    if (tr) handler(Number(tr.dataset.seq));
  });
  tbody.addEventListener("keydown", (event) => {
    const tr = event.target.closest("tr");
    if (tr && event.key === "Enter") handler(Number(tr.dataset.seq));
  });
}

document.addEventListener("DOMContentLoaded", () => {
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    $("token").value = "";
    loadAll();
  });
  $("token-forget").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    say("Token forgotten.");
  });
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    firstPage();
  });
  $("filters").addEventListener("reset", () => {
    // The fields are reset after this event: reload once they are.
    $("timeline").setAttribute("aria-busy", "true");
    setTimeout(firstPage, 0);
  });
  $("page-next").addEventListener("click", () => {
    if (state.next === null) return;
    state.pages.push(state.next);
    loadPage();
  });
  $("page-prev").addEventListener("click", () => {
    if (state.pages.length > 1) state.pages.pop();
    loadPage();
  });
  $("verify-button").addEventListener("click", verify);
  $("checkpoint-sign").addEventListener("click", async () => {
    try {
      const { checkpoint } = await api("/v1/audit/checkpoints", "POST");
      say(
        checkpoint
          ? `Signed a checkpoint at seq ${checkpoint.seq}.`
          : "The head is already signed.",
      );
      await loadCheckpoints();
    } catch (error) {
      fail(error);
    }
  });
  onRowActivate($("timeline").tBodies[0], openEntry);
  onRowActivate($("checkpoints").tBodies[0], openEntry);
  if (sessionStorage.getItem(TOKEN_KEY)) loadAll();
});
