// The 4Mica operator dashboard (served by Core at GET /dashboard). Every number comes from Core's API: the public
// cycle API (/core/tokens, /core/cycles, /core/cycles/:id/:asset/positions) and, with the operator's admin token,
// /core/admin/dashboard/*. The token is kept in sessionStorage (this tab only) and sent only as a bearer header.
// No data is built in here; nothing is fetched from anywhere but Core's own origin (the page's CSP says so too).

const TOKEN_KEY = "4mica.dashboard.adminToken";
const ETH = "0x0000000000000000000000000000000000000000";
const PAGE = 20;

/** A cycle's phases, in order, from its deadlines (docs/protocol.md §6). */
const PHASES = [
  { key: "open", label: "Open", from: "start", to: "end", color: "#4e79a7" },
  { key: "resolution", label: "To resolution cutoff", from: "end", to: "resolutionCutoff", color: "#f28e2b" },
  { key: "commit", label: "Commit window", from: "resolutionCutoff", to: "commitDeadline", color: "#e15759" },
  { key: "payment", label: "Payment window", from: "commitDeadline", to: "paymentDeadline", color: "#76b7b2" },
  { key: "finality", label: "Finality window", from: "paymentDeadline", to: "finalityDeadline", color: "#59a14f" },
];

const STATE_COLORS = {
  PENDING_VALIDATION: "#9c755f",
  FINALIZED_PAYABLE: "#4e79a7",
  DISPUTED: "#e15759",
  CANCELLED: "#bab0ac",
  NETTED: "#f28e2b",
  SETTLED: "#59a14f",
  DEFAULT_REMUNERATED: "#b07aa1",
  EXPIRED: "#79706e",
  REDEEMED: "#76b7b2",
};

const state = {
  tokens: new Map(),
  schedule: [],
  cycles: [],
  cyclesNext: null,
  now: undefined,
  overview: undefined,
  collateral: [],
  collateralNext: null,
  states: [],
  volume: [],
  positions: [],
  positionsNext: null,
  positionsOf: undefined,
  asset: undefined,
  charts: {},
};

// ---- pure helpers -------------------------------------------------------------------------------------------------

/** viem's formatUnits for non-negative integers: decimal text, trailing zeros of the fraction dropped. */
export function formatUnits(value, decimals) {
  const s = value.toString().padStart(decimals + 1, "0");
  const int = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals).replace(/0+$/, "");
  return frac ? `${int}.${frac}` : int;
}

function assetInfo(address) {
  if (address === ETH) return { symbol: "ETH", decimals: 18 };
  return state.tokens.get(address) ?? { symbol: `${address.slice(0, 8)}…`, decimals: 0 };
}

function amount(raw, asset) {
  if (raw === null || raw === undefined) return "—";
  const { symbol, decimals } = assetInfo(asset);
  return `${formatUnits(BigInt(raw), decimals)} ${symbol}`;
}

/** An amount in whole units as a float, for charts only (tables show exact text). */
function units(raw, asset) {
  return raw === null || raw === undefined ? null : Number(formatUnits(BigInt(raw), assetInfo(asset).decimals));
}

function time(seconds) {
  return new Date(Number(seconds) * 1000).toISOString().slice(0, 16).replace("T", " ");
}

/** Where a cycle is at `now` (unix seconds): the phase whose window contains it. */
export function phaseAt(d, now) {
  const t = BigInt(now);
  if (t < BigInt(d.start)) return "not started";
  if (t < BigInt(d.end)) return "open";
  for (const p of PHASES.slice(1)) if (t <= BigInt(d[p.to])) return p.key;
  return "past finality";
}

function short(address) {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

// ---- API ----------------------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message) {
    super(`${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

async function api(path, { admin = false } = {}) {
  const headers = { accept: "application/json" };
  if (admin) headers.authorization = `Bearer ${token()}`;
  const res = await fetch(path, { headers, cache: "no-store", credentials: "omit", redirect: "error" });
  const body = await res.json().catch(() => undefined);
  if (!res.ok) {
    throw new ApiError(res.status, body?.error?.code ?? `HTTP_${res.status}`, body?.error?.message ?? res.statusText);
  }
  return body;
}

function withQuery(path, query) {
  const q = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== null && v !== undefined));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

// ---- DOM ----------------------------------------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);

function setStatus(text, error = false) {
  const el = $("status");
  el.textContent = text;
  el.classList.toggle("error", error);
}

/**
 * Fills a table. `columns`: [{ key, label, num? }]; `rows`: [{ key, cells: { [column key]: text | { text, raw } } }].
 * Every row carries `data-key`, every cell `data-field` and, for numbers, `data-raw` (the API's exact value).
 */
function fillTable(table, columns, rows, empty) {
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  for (const c of columns) {
    const th = document.createElement("th");
    th.textContent = c.label;
    if (c.num) th.className = "num";
    head.append(th);
  }
  const body = table.createTBody();
  if (rows.length === 0) {
    const td = body.insertRow().insertCell();
    td.colSpan = columns.length;
    td.className = "note";
    td.textContent = empty;
    return;
  }
  for (const r of rows) {
    const tr = body.insertRow();
    tr.dataset.key = r.key;
    for (const c of columns) {
      const td = tr.insertCell();
      const v = r.cells[c.key];
      td.dataset.field = c.key;
      if (c.num) td.className = "num";
      if (v !== null && typeof v === "object") {
        td.textContent = v.text;
        if (v.raw !== undefined && v.raw !== null) td.dataset.raw = String(v.raw);
        if (v.title) td.title = v.title;
      } else {
        td.textContent = v ?? "—";
      }
    }
  }
}

function fillSelect(select, options, selected) {
  select.replaceChildren(
    ...options.map((o) => {
      const opt = document.createElement("option");
      opt.value = o.value;
      opt.textContent = o.label;
      opt.selected = o.value === selected;
      return opt;
    }),
  );
}

function chart(id, config) {
  state.charts[id]?.destroy();
  state.charts[id] = new globalThis.Chart($(id), {
    ...config,
    options: { animation: false, responsive: true, maintainAspectRatio: false, ...config.options },
  });
}

// ---- panels -------------------------------------------------------------------------------------------------------

function clockNow() {
  return state.now ?? BigInt(Math.floor(Date.now() / 1000));
}

function renderOverview() {
  const cards = [];
  const o = state.overview;
  if (o) {
    cards.push(["core-clock", "Core's clock (UTC)", time(o.now)]);
    cards.push(["payers", "Payers", String(o.payers)]);
    cards.push(["guarantees", "Guarantees", String(o.guarantees)]);
    cards.push(["held-locks", "Locks held", String(o.heldLocks)]);
    cards.push(["cycles", "Cycles", String(o.cycles)]);
    const netted = state.volume.filter((v) => v.asset === state.asset && v.net !== null);
    const gross = netted.reduce((s, v) => s + BigInt(v.nettedGross), 0n);
    const net = netted.reduce((s, v) => s + BigInt(v.net), 0n);
    cards.push(["gross", "Netted gross (shown cycles)", amount(gross, state.asset)]);
    cards.push(["net", "Moved on-chain", amount(net, state.asset)]);
    cards.push([
      "savings",
      "Saved by netting",
      gross > 0n ? `${((Number(gross - net) * 100) / Number(gross)).toFixed(1)} %` : "—",
    ]);
  } else {
    cards.push(["cycles", "Cycles (public)", String(state.cycles.length)]);
  }
  $("overview").replaceChildren(
    ...cards.map(([key, label, value]) => {
      const div = document.createElement("div");
      div.dataset.key = key;
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = value;
      div.append(dt, dd);
      return div;
    }),
  );
}

function renderTimeline() {
  const now = clockNow();
  const cycles = [...state.cycles].reverse();
  const labels = cycles.map((c) => `#${c.cycleId} ${assetInfo(c.asset).symbol}`);
  const nowLine = {
    id: "nowLine",
    afterDatasetsDraw(c) {
      const x = c.scales.x.getPixelForValue(Number(now));
      if (x < c.chartArea.left || x > c.chartArea.right) return;
      const ctx = c.ctx;
      ctx.save();
      ctx.strokeStyle = "#b3261e";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x, c.chartArea.top);
      ctx.lineTo(x, c.chartArea.bottom);
      ctx.stroke();
      ctx.restore();
    },
  };
  const starts = cycles.map((c) => Number(c.deadlines.start));
  const ends = cycles.map((c) => Number(c.deadlines.finalityDeadline));
  chart("timeline-chart", {
    type: "bar",
    data: {
      labels,
      datasets: PHASES.map((p) => ({
        label: p.label,
        data: cycles.map((c) => [Number(c.deadlines[p.from]), Number(c.deadlines[p.to])]),
        backgroundColor: p.color,
        grouped: false,
        barPercentage: 0.7,
      })),
    },
    options: {
      indexAxis: "y",
      scales: {
        x: {
          type: "linear",
          min: Math.min(...starts, Number(now)),
          max: Math.max(...ends, Number(now)),
          ticks: { callback: (v) => time(v).slice(5), maxRotation: 0, autoSkipPadding: 16 },
        },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (item) => `${item.dataset.label}: ${time(item.raw[0])} → ${time(item.raw[1])}`,
          },
        },
      },
    },
    plugins: [nowLine],
  });

  fillTable(
    $("cycles-table"),
    [
      { key: "cycle", label: "Cycle" },
      { key: "asset", label: "Asset" },
      { key: "status", label: "Status" },
      { key: "phase", label: "Phase now" },
      { key: "start", label: "Opens" },
      { key: "end", label: "Closes" },
      { key: "resolutionCutoff", label: "Cutoff" },
      { key: "commitDeadline", label: "Commit by" },
      { key: "paymentDeadline", label: "Pay by" },
      { key: "finalityDeadline", label: "Final by" },
      { key: "guaranteeCount", label: "Netted", num: true },
      { key: "totalNetDebit", label: "Net", num: true },
    ],
    state.cycles.map((c) => ({
      key: `${c.cycleId}:${c.asset}`,
      cells: {
        cycle: c.cycleId,
        asset: assetInfo(c.asset).symbol,
        status: c.status,
        phase: phaseAt(c.deadlines, now),
        start: time(c.deadlines.start),
        end: time(c.deadlines.end),
        resolutionCutoff: time(c.deadlines.resolutionCutoff),
        commitDeadline: time(c.deadlines.commitDeadline),
        paymentDeadline: time(c.deadlines.paymentDeadline),
        finalityDeadline: time(c.deadlines.finalityDeadline),
        guaranteeCount: c.batch ? { text: String(c.batch.guaranteeCount), raw: c.batch.guaranteeCount } : "—",
        totalNetDebit: c.batch ? { text: amount(c.batch.totalNetDebit, c.asset), raw: c.batch.totalNetDebit } : "—",
      },
    })),
    "No cycle yet: the scheduler creates one when a guarantee is issued.",
  );
  $("cycles-more").hidden = state.cyclesNext === null;

  const withBatch = state.cycles.filter((c) => c.batch !== null && c.status !== "MISSED");
  const current = state.positionsOf && withBatch.some((c) => `${c.cycleId}:${c.asset}` === state.positionsOf);
  fillSelect(
    $("cycle-select"),
    withBatch.map((c) => ({
      value: `${c.cycleId}:${c.asset}`,
      label: `#${c.cycleId} ${assetInfo(c.asset).symbol} (${c.status})`,
    })),
    current ? state.positionsOf : withBatch[0] && `${withBatch[0].cycleId}:${withBatch[0].asset}`,
  );
}

function renderPositions() {
  const [, asset] = (state.positionsOf ?? ":").split(":");
  $("positions-note").textContent = state.positionsOf
    ? `Cycle ${state.positionsOf.split(":")[0]}: ${state.positions.length} participants (from /core/cycles/…/positions).`
    : "No netted cycle yet.";
  fillTable(
    $("positions-table"),
    [
      { key: "participant", label: "Participant" },
      { key: "role", label: "Role" },
      { key: "amount", label: "Net", num: true },
      { key: "grossOut", label: "Gross out", num: true },
      { key: "grossIn", label: "Gross in", num: true },
      { key: "positionStatus", label: "Status" },
    ],
    state.positions.map((p) => ({
      key: p.participant,
      cells: {
        participant: { text: short(p.participant), title: p.participant },
        role: p.role,
        amount: { text: amount(p.amount, asset), raw: p.amount },
        grossOut: { text: amount(p.grossOut, asset), raw: p.grossOut },
        grossIn: { text: amount(p.grossIn, asset), raw: p.grossIn },
        positionStatus: p.positionStatus,
      },
    })),
    "No positions.",
  );
  $("positions-more").hidden = state.positionsNext === null;
}

function renderCollateral() {
  fillTable(
    $("collateral-table"),
    [
      { key: "user", label: "Payer" },
      { key: "asset", label: "Asset" },
      { key: "deposited", label: "Deposited", num: true },
      { key: "locked", label: "Locked", num: true },
      { key: "pendingWithdrawal", label: "Withdrawing", num: true },
      { key: "available", label: "Available", num: true },
      { key: "heldLocks", label: "Locks held", num: true },
      { key: "heldLockAmount", label: "Held for", num: true },
    ],
    state.collateral.map((b) => ({
      key: `${b.user}:${b.asset}`,
      cells: {
        user: { text: short(b.user), title: b.user },
        asset: assetInfo(b.asset).symbol,
        deposited: { text: amount(b.deposited, b.asset), raw: b.deposited },
        locked: { text: amount(b.locked, b.asset), raw: b.locked },
        pendingWithdrawal: { text: amount(b.pendingWithdrawal, b.asset), raw: b.pendingWithdrawal },
        available: { text: amount(b.available, b.asset), raw: b.available },
        heldLocks: { text: String(b.heldLocks), raw: b.heldLocks },
        heldLockAmount: { text: amount(b.heldLockAmount, b.asset), raw: b.heldLockAmount },
      },
    })),
    state.overview ? "No payer has deposited yet." : "Connect with the admin token.",
  );
  $("collateral-more").hidden = state.collateralNext === null;
}

function renderStates() {
  fillTable(
    $("states-table"),
    [
      { key: "asset", label: "Asset" },
      { key: "status", label: "State" },
      { key: "count", label: "Guarantees", num: true },
      { key: "amount", label: "Amount", num: true },
      { key: "lockHeld", label: "Locks held", num: true },
    ],
    state.states.map((s) => ({
      key: `${s.asset}:${s.status}`,
      cells: {
        asset: assetInfo(s.asset).symbol,
        status: s.status,
        count: { text: String(s.count), raw: s.count },
        amount: { text: amount(s.amount, s.asset), raw: s.amount },
        lockHeld: { text: String(s.lockHeld), raw: s.lockHeld },
      },
    })),
    state.overview ? "No guarantee yet." : "Connect with the admin token.",
  );
  const mine = state.states.filter((s) => s.asset === state.asset);
  chart("states-chart", {
    type: "doughnut",
    data: {
      labels: mine.map((s) => s.status),
      datasets: [
        {
          label: `Guarantees (${assetInfo(state.asset ?? ETH).symbol})`,
          data: mine.map((s) => s.count),
          backgroundColor: mine.map((s) => STATE_COLORS[s.status] ?? "#888"),
        },
      ],
    },
    options: { plugins: { legend: { position: "right" } } },
  });
}

function renderVolume() {
  const rows = state.volume.filter((v) => v.asset === state.asset).reverse();
  const a = state.asset ?? ETH;
  const symbol = assetInfo(a).symbol;
  chart("volume-chart", {
    type: "bar",
    data: {
      labels: rows.map((v) => `#${v.cycleId}`),
      datasets: [
        { label: `Issued (${symbol})`, data: rows.map((v) => units(v.issuedAmount, a)), backgroundColor: "#4e79a7" },
        {
          label: `Netted gross (${symbol})`,
          data: rows.map((v) => units(v.nettedGross, a)),
          backgroundColor: "#f28e2b",
        },
        { label: `Net on-chain (${symbol})`, data: rows.map((v) => units(v.net, a)), backgroundColor: "#59a14f" },
      ],
    },
    options: { scales: { y: { beginAtZero: true } } },
  });
  chart("savings-chart", {
    type: "bar",
    data: {
      labels: rows.map((v) => `#${v.cycleId}`),
      datasets: [
        {
          label: "Gross-to-net savings (%)",
          data: rows.map((v) =>
            v.savings === null || v.nettedGross === "0" ? null : (Number(v.savings) * 100) / Number(v.nettedGross),
          ),
          backgroundColor: "#76b7b2",
        },
      ],
    },
    options: { scales: { y: { beginAtZero: true, max: 100 } } },
  });
  fillTable(
    $("volume-table"),
    [
      { key: "cycle", label: "Cycle" },
      { key: "asset", label: "Asset" },
      { key: "status", label: "Status" },
      { key: "issuedCount", label: "Issued", num: true },
      { key: "issuedAmount", label: "Issued amount", num: true },
      { key: "nettedCount", label: "Netted", num: true },
      { key: "nettedGross", label: "Gross", num: true },
      { key: "net", label: "Net", num: true },
      { key: "savings", label: "Saved", num: true },
    ],
    state.volume.map((v) => ({
      key: `${v.cycleId}:${v.asset}`,
      cells: {
        cycle: v.cycleId,
        asset: assetInfo(v.asset).symbol,
        status: v.status,
        issuedCount: { text: String(v.issuedCount), raw: v.issuedCount },
        issuedAmount: { text: amount(v.issuedAmount, v.asset), raw: v.issuedAmount },
        nettedCount: { text: String(v.nettedCount), raw: v.nettedCount },
        nettedGross: { text: amount(v.nettedGross, v.asset), raw: v.nettedGross },
        net: v.net === null ? "—" : { text: amount(v.net, v.asset), raw: v.net },
        savings: v.savings === null ? "—" : { text: amount(v.savings, v.asset), raw: v.savings },
      },
    })),
    state.overview ? "No cycle yet." : "Connect with the admin token.",
  );
}

function renderAssets() {
  const seen = new Set([
    ...state.cycles.map((c) => c.asset),
    ...state.volume.map((v) => v.asset),
    ...state.states.map((s) => s.asset),
    ...state.collateral.map((b) => b.asset),
  ]);
  if (seen.size === 0) seen.add(ETH);
  const assets = [...seen].sort();
  if (!state.asset || !seen.has(state.asset)) state.asset = assets.includes(ETH) ? ETH : assets[0];
  fillSelect(
    $("asset-select"),
    assets.map((a) => ({ value: a, label: assetInfo(a).symbol })),
    state.asset,
  );
}

function renderAll() {
  renderAssets();
  renderOverview();
  renderTimeline();
  renderPositions();
  renderCollateral();
  renderStates();
  renderVolume();
  document.body.classList.toggle("admin", state.overview !== undefined);
}

// ---- loading ------------------------------------------------------------------------------------------------------

async function loadPublic() {
  const [tokens, cycles] = await Promise.all([api("/core/tokens"), api(withQuery("/core/cycles", { limit: PAGE }))]);
  state.tokens = new Map(tokens.tokens.map((t) => [t.address.toLowerCase(), t]));
  state.schedule = cycles.schedule;
  state.cycles = cycles.cycles;
  state.cyclesNext = cycles.next;
}

async function loadPositions(key, more = false) {
  if (!key) {
    state.positionsOf = undefined;
    state.positions = [];
    state.positionsNext = null;
    return;
  }
  const [cycleId, asset] = key.split(":");
  const page = await api(
    withQuery(`/core/cycles/${cycleId}/${asset}/positions`, { limit: 500, cursor: more ? state.positionsNext : null }),
  );
  state.positions = more && state.positionsOf === key ? [...state.positions, ...page.positions] : page.positions;
  state.positionsOf = key;
  state.positionsNext = page.next;
}

async function loadAdmin() {
  const [overview, collateral, states, volume] = await Promise.all([
    api("/core/admin/dashboard/overview", { admin: true }),
    api(withQuery("/core/admin/dashboard/collateral", { limit: 100 }), { admin: true }),
    api("/core/admin/dashboard/guarantees", { admin: true }),
    api(withQuery("/core/admin/dashboard/volume", { limit: PAGE }), { admin: true }),
  ]);
  state.overview = overview;
  state.now = BigInt(overview.now);
  state.collateral = collateral.balances;
  state.collateralNext = collateral.next;
  state.states = states.states;
  state.volume = volume.cycles;
}

function clearAdmin() {
  state.overview = undefined;
  state.now = undefined;
  state.collateral = [];
  state.collateralNext = null;
  state.states = [];
  state.volume = [];
}

async function refresh() {
  setStatus("Loading…");
  document.body.dataset.ready = "false";
  try {
    await loadPublic();
    const first = state.cycles.find((c) => c.batch !== null && c.status !== "MISSED");
    const keep = state.positionsOf && state.cycles.some((c) => `${c.cycleId}:${c.asset}` === state.positionsOf);
    await loadPositions(keep ? state.positionsOf : first && `${first.cycleId}:${first.asset}`);
    let note = "Public data only: enter the admin token for collateral, guarantees and volume.";
    if (token()) {
      try {
        await loadAdmin();
        note = `Connected. Data as of Core's clock ${time(state.now)} UTC.`;
      } catch (e) {
        clearAdmin();
        if (e instanceof ApiError && (e.code === "ADMIN_UNAUTHENTICATED" || e.code === "ADMIN_DISABLED")) {
          if (e.code === "ADMIN_UNAUTHENTICATED") sessionStorage.removeItem(TOKEN_KEY);
          renderAll();
          setStatus(`Admin token refused (${e.code}): ${e.message}`, true);
          document.body.dataset.ready = "true";
          return;
        }
        throw e;
      }
    }
    renderAll();
    setStatus(note);
  } catch (e) {
    setStatus(`Could not load: ${e instanceof Error ? e.message : String(e)}`, true);
  }
  document.body.dataset.ready = "true";
}

async function guarded(fn) {
  try {
    await fn();
  } catch (e) {
    setStatus(`Could not load: ${e instanceof Error ? e.message : String(e)}`, true);
  }
}

function wire() {
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("token").value.trim();
    $("token").value = "";
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    void refresh();
  });
  $("forget").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    clearAdmin();
    void refresh();
  });
  $("asset-select").addEventListener("change", (event) => {
    state.asset = event.target.value;
    renderAll();
  });
  $("cycle-select").addEventListener("change", (event) =>
    guarded(async () => {
      await loadPositions(event.target.value);
      renderPositions();
    }),
  );
  $("positions-more").addEventListener("click", () =>
    guarded(async () => {
      await loadPositions(state.positionsOf, true);
      renderPositions();
    }),
  );
  $("cycles-more").addEventListener("click", () =>
    guarded(async () => {
      const page = await api(withQuery("/core/cycles", { limit: PAGE, cursor: state.cyclesNext }));
      state.cycles = [...state.cycles, ...page.cycles];
      state.cyclesNext = page.next;
      renderAll();
    }),
  );
  $("collateral-more").addEventListener("click", () =>
    guarded(async () => {
      const page = await api(
        withQuery("/core/admin/dashboard/collateral", { limit: 100, cursor: state.collateralNext }),
        { admin: true },
      );
      state.collateral = [...state.collateral, ...page.balances];
      state.collateralNext = page.next;
      renderCollateral();
    }),
  );
}

if (typeof globalThis.Chart !== "function") {
  setStatus("Chart.js did not load (/dashboard/chart.umd.min.js)", true);
} else {
  wire();
  void refresh();
}
