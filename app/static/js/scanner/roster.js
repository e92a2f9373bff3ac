/* The door's local roster: what the device needs to answer a scan with no network, kept in IndexedDB.

   No DOM in here: the IndexedDB factory and the clock are handed in, so a test can drive it. The roster
   holds no ticket code, only the SHA-256 of each normalized code (the server's own lookup key,
   docs/CHECKIN_API.md), so a lost phone gives no usable badge. Answers are looked up in memory (a Map
   loaded once from IndexedDB), so a scan is answered in well under a millisecond; writes go to
   IndexedDB behind it. */

export const REFRESH_MS = 30000;
const CODE_LENGTH = 26;
const ALPHABET = /^[A-Z2-7]+$/;

// The server's normalize_code (app/events/tickets.py): upper case, spaces, tabs, newlines and dashes
// dropped, then exactly 26 base32 characters. Anything else cannot be one of our codes.
export function normalizeCode(raw) {
  if (!raw || raw.length > 200) return null;
  const cleaned = String(raw).toUpperCase().replace(/[ \-\t\r\n]/g, "");
  if (cleaned.length !== CODE_LENGTH || !ALPHABET.test(cleaned)) return null;
  return cleaned;
}

export async function sha256Hex(text, subtle = globalThis.crypto && globalThis.crypto.subtle) {
  const digest = await subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.prototype.map.call(new Uint8Array(digest), (b) => (b < 16 ? "0" : "") + b.toString(16)).join("");
}

// The hash a scanned text is looked up by, or null when it is not a code at all.
export async function codeHash(raw, subtle) {
  const code = normalizeCode(raw);
  return code ? sha256Hex(code, subtle) : null;
}

// ---- IndexedDB, in promises ----

function req(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export function openRosterDB(idb, name) {
  const open = idb.open(name, 1);
  open.onupgradeneeded = () => {
    const db = open.result;
    db.createObjectStore("meta");
    db.createObjectStore("entries", { keyPath: "h" });
    db.createObjectStore("revoked");
    // This device's own admissions and exits, by hash: kept until the server's roster knows them.
    db.createObjectStore("local", { keyPath: "h" });
  };
  return req(open);
}

// ---- the roster ----

function isAfter(a, b) {
  return Boolean(a) && (!b || Date.parse(a) >= Date.parse(b));
}

// Is the person inside, as far as this device knows (the last sync and its own scans)?
function presence(entry, local) {
  let inAt = entry.in || null;
  let gate = entry.g || null;
  let outAt = entry.out || null;
  if (local && local.in && !isAfter(inAt, local.in)) { inAt = local.in; gate = local.g || gate; }
  if (local && local.out && !isAfter(outAt, local.out)) outAt = local.out;
  const inside = Boolean(inAt) && !isAfter(outAt, inAt);
  return { inAt, gate, outAt, inside };
}

// A local answer as the server would give it: {result, tone, attendee, at, gate}. The message is the
// page's to write (translated strings, main.js), from `result`, `at` and `gate`.
export function answerFrom(entry, local, revoked, mode) {
  if (!entry || revoked) return { result: "unknown_code", tone: "error", attendee: null };
  const attendee = { registration_id: entry.id, name: entry.n, company: entry.c || "", role: entry.r, role_label: entry.rl || "" };
  if (entry.s === "cancelled") return { result: "cancelled", tone: "error", attendee };
  if (entry.s === "waitlisted") return { result: "waitlisted", tone: "error", attendee };
  if (entry.s !== "ok") return { result: "unknown_code", tone: "error", attendee: null };
  const p = presence(entry, local);
  if (mode === "out") {
    if (!p.inAt) return { result: "not_checked_in", tone: "warn", attendee };
    if (!p.inside) return { result: "already_checked_out", tone: "warn", attendee, at: p.outAt };
    return { result: "ok", tone: "ok", attendee };
  }
  if (p.inside) return { result: "already_checked_in", tone: "warn", attendee, at: p.inAt, gate: p.gate };
  return { result: "ok", tone: "ok", attendee };
}

// `idb` is an IndexedDB factory (window.indexedDB or a test's), `name` the database of this device.
export function createRoster({ idb, name, now = () => new Date() }) {
  let dbp = null;
  const entries = new Map();
  const ids = new Map();  // registration id -> the hash its entry is kept under
  const revoked = new Set();
  const local = new Map();
  let meta = {};

  function db() {
    if (!dbp) dbp = openRosterDB(idb, name);
    return dbp;
  }

  async function load() {
    const handle = await db();
    const tx = handle.transaction(["meta", "entries", "revoked", "local"], "readonly");
    const [keys, values, rows, hashes, mine] = await Promise.all([
      req(tx.objectStore("meta").getAllKeys()),
      req(tx.objectStore("meta").getAll()),
      req(tx.objectStore("entries").getAll()),
      req(tx.objectStore("revoked").getAllKeys()),
      req(tx.objectStore("local").getAll()),
    ]);
    meta = {};
    keys.forEach((k, i) => { meta[k] = values[i]; });
    entries.clear();
    ids.clear();
    rows.forEach((row) => { entries.set(row.h, row); ids.set(row.id, row.h); });
    revoked.clear();
    hashes.forEach((h) => revoked.add(h));
    local.clear();
    mine.forEach((row) => local.set(row.h, row));
    // A roster past its event's erase time is destroyed before anyone can read it.
    if (expired()) await erase();
    return api;
  }

  function expired() {
    const at = meta.event && meta.event.erase_after;
    return Boolean(at) && now().getTime() >= Date.parse(at);
  }

  // A roster answer of the server (full or since the cursor) into memory and IndexedDB.
  async function apply(body) {
    const handle = await db();
    const stores = ["meta", "entries", "revoked", "local"];
    const tx = handle.transaction(stores, "readwrite");
    const finished = done(tx);
    if (body.full) {
      stores.filter((s) => s !== "local").forEach((s) => tx.objectStore(s).clear());
      entries.clear();
      ids.clear();
      revoked.clear();
    }
    (body.entries || []).forEach((entry) => {
      // The same registration under another hash: its badge was reissued, the old one is dead.
      const old = ids.get(entry.id);
      if (old && old !== entry.h) {
        entries.delete(old);
        tx.objectStore("entries").delete(old);
        revoked.add(old);
        tx.objectStore("revoked").put(true, old);
      }
      ids.set(entry.id, entry.h);
      entries.set(entry.h, entry);
      tx.objectStore("entries").put(entry);
      revoked.delete(entry.h);
      tx.objectStore("revoked").delete(entry.h);
    });
    (body.revoked || []).forEach((h) => {
      revoked.add(h);
      tx.objectStore("revoked").put(true, h);
      entries.delete(h);
      tx.objectStore("entries").delete(h);
    });
    meta = Object.assign({}, meta, {
      event: body.event || meta.event || null,
      cursor: body.cursor == null ? meta.cursor : body.cursor,
      server_time: body.server_time || meta.server_time || null,
      synced_at: now().toISOString(),
    });
    Object.keys(meta).forEach((k) => tx.objectStore("meta").put(meta[k], k));
    await finished;
    if (expired()) await erase();
  }

  // The device's own scans, once uploaded and known to the server, are the roster's from then on.
  async function forgetLocal(hashes) {
    const handle = await db();
    const tx = handle.transaction(["local"], "readwrite");
    hashes.forEach((h) => { local.delete(h); tx.objectStore("local").delete(h); });
    await done(tx);
  }

  // Answer a scan from memory at once; record it (an admission or an exit) behind the answer.
  function answer(hash, mode, gate) {
    if (!hash) return { answer: { result: "unknown_code", tone: "error", attendee: null }, saved: Promise.resolve() };
    const entry = entries.get(hash);
    const mine = local.get(hash);
    const result = answerFrom(entry, mine, revoked.has(hash), mode);
    let saved = Promise.resolve();
    if (result.result === "ok") {
      const at = now().toISOString();
      const row = Object.assign({ h: hash }, mine || {});
      if (mode === "out") row.out = at; else { row.in = at; row.g = gate || null; }
      local.set(hash, row);
      saved = db().then((handle) => {
        const tx = handle.transaction(["local"], "readwrite");
        tx.objectStore("local").put(row);
        return done(tx);
      });
    }
    return { answer: result, saved };
  }

  // Everything goes: on a dead link (401/410 with erase), at the link's expiry, after erase_after.
  async function erase() {
    entries.clear();
    ids.clear();
    revoked.clear();
    local.clear();
    meta = {};
    const handle = await db();
    const tx = handle.transaction(["meta", "entries", "revoked", "local"], "readwrite");
    ["meta", "entries", "revoked", "local"].forEach((s) => tx.objectStore(s).clear());
    await done(tx);
  }

  const api = {
    load,
    apply,
    answer,
    erase,
    forgetLocal,
    expired,
    size: () => entries.size,
    cursor: () => (meta.cursor == null ? null : meta.cursor),
    syncedAt: () => meta.synced_at || null,
    event: () => meta.event || null,
    entry: (h) => entries.get(h) || null,
    isRevoked: (h) => revoked.has(h),
    local: (h) => local.get(h) || null,
  };
  return api;
}

// ---- the sync: roster download and the online/offline state ----

// Online until a request fails or takes longer than `slowMs`; while offline the page answers from
// the roster. When a request succeeds again the queue is uploaded, then the roster refreshed, and only
// then is the server trusted again (`onState("online")`).
export function createSync({ roster, fetch: fetchFn, url, headers = {}, upload, onState = () => {}, onErase = () => {},
  clock = { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (t) => clearTimeout(t) },
  slowMs = 3000, refreshMs = REFRESH_MS }) {
  let state = "online";
  let timer = null;
  let running = null;

  function setState(next) {
    if (next === state) return;
    state = next;
    onState(state);
  }

  function timed(promise) {
    return new Promise((resolve, reject) => {
      const t = clock.setTimeout(() => reject(new Error("slow")), slowMs);
      promise.then((v) => { clock.clearTimeout(t); resolve(v); }, (e) => { clock.clearTimeout(t); reject(e); });
    });
  }

  async function refresh() {
    const target = new URL(url, globalThis.location ? globalThis.location.href : "http://localhost/");
    const cursor = roster.cursor();
    if (cursor != null) target.searchParams.set("since", cursor);
    const response = await timed(fetchFn(target.toString(), {
      headers: Object.assign({ Accept: "application/json" }, headers), credentials: "same-origin", cache: "no-store",
    }));
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if ((response.status === 401 || response.status === 410) && body && body.erase) {
      await roster.erase();
      onErase(body);
      return "erased";
    }
    if (!response.ok || !body) throw new Error("roster " + response.status);
    await roster.apply(body);
    return "applied";
  }

  // One round: (if we were offline) upload first, then the roster. Resolves to the state after it.
  function tick() {
    if (running) return running;
    running = (async () => {
      try {
        if (state === "offline" && upload) await timed(upload());
        const outcome = await refresh();
        if (outcome !== "erased") setState("online");
      } catch (e) {
        setState("offline");
      } finally {
        running = null;
      }
      return state;
    })();
    return running;
  }

  function loop() {
    clock.clearTimeout(timer);
    timer = clock.setTimeout(() => { tick().then(loop); }, state === "offline" ? Math.min(refreshMs, 5000) : refreshMs);
  }

  return {
    tick,
    start() { return tick().then((s) => { loop(); return s; }); },
    stop() { clock.clearTimeout(timer); },
    // A scan request failed or was slow: answer locally from now on until a round succeeds.
    failed() { setState("offline"); loop(); },
    state: () => state,
  };
}
