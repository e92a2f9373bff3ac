/* The door scanner page: reads badge codes (camera, USB/Bluetooth scanner, or a search), sends them to
   the check-in API through the offline queue and shows each answer, the history, search and undo. */

// No framework and no build step: a phone at a door must load this at once. Every string shown
// comes from the page (#scanner-strings), translated on the server; so does each answer's tone.

import { createCamera } from "./camera.js";
import { createHidInput, looksLikeCode } from "./hid.js";
import { fetchWithTimeout, readBody } from "./net.js";
import { createScanQueue, newNonce } from "./queue.js";
import { signal, unlockAudioOnFirstGesture } from "./sound.js";
import { browserStorage, createStore } from "./store.js";
import { codeHash, createRoster, createSync } from "./roster.js";
import { forgetThisPage, installHint, registerWorker } from "./pwa.js";

const config = JSON.parse(document.getElementById("scanner-config").textContent);
const S = JSON.parse(document.getElementById("scanner-strings").textContent);
const scriptEl = document.querySelector("script[data-jsqr-src]");

const HISTORY_SIZE = 10;
// "pending" is the page's own tone: a scan still waiting for the network, or an undo.
const DISMISS_MS = { ok: 2500, warn: 4000, pending: 2500, error: 7000 };
const SERVER_TONES = ["ok", "warn", "error"];

function $(id) { return document.getElementById(id); }
function fmt(text, vars) {
  return text.replace(/\{(\w+)\}/g, (m, key) => (key in vars ? String(vars[key]) : m));
}

const storage = browserStorage();
const storePrefix = "moim-scanner:" + (config.is_staff ? "staff" : "door") + ":" + config.scan_url + ":";
const store = createStore(storage, storePrefix);

// ---- page state ----
const codeInput = $("code-input");
const gateInput = $("gate-input");
const searchInput = $("search-input");
const answerEl = $("answer");
const keyboardFirst = Boolean(window.matchMedia && window.matchMedia("(pointer: fine)").matches);

function currentMode() {
  const checked = document.querySelector('input[name="mode"]:checked');
  return checked ? checked.value : "in";
}
function currentGate() {
  if (config.gate) return config.gate;
  return gateInput ? gateInput.value.trim().slice(0, 60) : "";
}

const hid = createHidInput({
  form: $("code-form"),
  codeInput,
  keepFocusOn: [searchInput, gateInput],
  keyboardFirst,
  onCode: (code) => scan({ code, method: "hid" }),
});
const refocus = hid.refocus;

if (gateInput) {
  gateInput.value = store.load("gate", "");
  gateInput.addEventListener("change", () => store.save("gate", gateInput.value.trim()));
}
document.querySelectorAll('input[name="mode"]').forEach((radio) => {
  radio.addEventListener("change", () => {
    document.body.setAttribute("data-mode", currentMode());
    $("mode-out-notice").hidden = currentMode() !== "out";
    renderSearchButtons();
    refocus();
  });
});

unlockAudioOnFirstGesture(document);

// ---- answers ----

// An answer as the page shows it. The server's `message` is the whole sentence (it already names
// the time and gate of an earlier check-in, or the event a stray badge belongs to), and its `tone`
// the colour: a result this page has never heard of is still shown right.
function describe(body, mode) {
  const attendee = body.attendee || null;
  return {
    result: body.result,
    tone: SERVER_TONES.indexOf(body.tone) !== -1 ? body.tone : "error",
    title: body.message || S.server_error,
    name: attendee ? attendee.name : "",
    company: attendee ? attendee.company || "" : "",
    role: attendee ? attendee.role_label || "" : "",
    detail: "",
    registrationId: attendee ? attendee.registration_id : null,
    mode: body.mode || mode,
  };
}

function failure(message) {
  return { result: "error", tone: "error", title: message, name: "", company: "", role: "", detail: "" };
}

// A final outcome of the queue as a view: an answer, or a refusal with the server's reason.
function viewOf(outcome, mode) {
  if (outcome.kind === "answer") return describe(outcome.body, mode);
  const denied = outcome.status === 401 || outcome.status === 403;
  return failure((outcome.body && outcome.body.message) || (denied ? S.denied : S.server_error));
}

function pendingView(item) {
  return {
    result: "pending", tone: "pending", title: S.pending_title, name: item.label || "",
    company: "", role: "", detail: S.pending_detail,
  };
}

let dismissTimer = null;
let shownNonce = null;
function showAnswer(view, nonce, withSignal) {
  clearTimeout(dismissTimer);
  answerEl.className = "answer tone-" + view.tone;
  answerEl.setAttribute("data-result", view.result);
  $("answer-title").textContent = view.title;
  $("answer-name").textContent = view.name;
  $("answer-company").textContent = view.company;
  $("answer-role").textContent = view.role;
  $("answer-detail").textContent = view.detail;
  const undo = $("answer-undo");
  undo.hidden = !canUndo(view);
  undo.onclick = (event) => {
    event.stopPropagation();
    undoCheckIn(view);
  };
  answerEl.hidden = false;
  shownNonce = nonce;
  $("answer-live").textContent = [view.title, view.name, view.company].filter(Boolean).join(", ");
  if (withSignal !== false) signal(view.tone);
  dismissTimer = setTimeout(hideAnswer, DISMISS_MS[view.tone] || DISMISS_MS.error);
}
function hideAnswer() {
  clearTimeout(dismissTimer);
  answerEl.hidden = true;
  shownNonce = null;
  refocus();
}
answerEl.addEventListener("click", hideAnswer);

function canUndo(view) {
  return Boolean(config.is_staff && config.undo_url && view.result === "ok" && view.mode === "in" &&
    view.registrationId && !view.undone);
}

// ---- history: the last ten answers, newest first ----

// Times read in Seoul time like every time Moim shows, whatever zone the device is set to.
function clock(date) {
  const opts = { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: "Asia/Seoul" };
  try { return date.toLocaleTimeString("ko-KR", opts); } catch (e) {
    delete opts.timeZone;
    return date.toLocaleTimeString("ko-KR", opts);
  }
}
const history = [];
function remember(nonce, view) {
  const existing = history.filter((h) => h.nonce === nonce)[0];
  if (existing) {
    existing.view = view;
  } else {
    history.unshift({ nonce, view, at: new Date() });
    history.length = Math.min(history.length, HISTORY_SIZE);
  }
  renderHistory();
}
function renderHistory() {
  const list = $("history");
  list.textContent = "";
  $("history-empty").hidden = history.length > 0;
  history.forEach((entry, index) => {
    const li = document.createElement("li");
    li.className = "tone-" + entry.view.tone;
    li.setAttribute("data-result", entry.view.result);
    const time = document.createElement("time");
    time.dateTime = entry.at.toISOString();
    time.textContent = clock(entry.at);
    const what = document.createElement("span");
    what.className = "what";
    what.textContent = entry.view.name || entry.view.title;
    if (entry.view.name) {
      const small = document.createElement("small");
      // An uploaded offline scan the server saw otherwise (a conflict, another answer) says so here.
      const note = entry.view.uploaded ? entry.view.detail : "";
      small.textContent = [entry.view.title, note, entry.view.company].filter(Boolean).join(" · ");
      what.appendChild(small);
    }
    li.appendChild(time);
    li.appendChild(what);
    if (index === 0 && canUndo(entry.view)) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary outline";
      button.textContent = S.undo;
      button.addEventListener("click", () => undoCheckIn(entry.view));
      li.appendChild(button);
    }
    list.appendChild(li);
  });
}

// ---- talking to the server ----
function headers(withBody) {
  const h = { Accept: "application/json" };
  if (withBody) h["Content-Type"] = "application/json";
  if (config.csrf_token) h["X-CSRFToken"] = config.csrf_token;
  if (config.door_token) h["X-Door-Token"] = config.door_token;
  return h;
}

function request(url, options) {
  return fetchWithTimeout(window.fetch.bind(window), url, options);
}

// A request slower than this counts as the network being down (issue 14): the scan is answered
// from the local roster instead.
const SLOW_MS = 3000;

const queue = createScanQueue({
  url: config.scan_url,
  batchUrl: config.upload_url || null,
  key: storePrefix + "queue",
  storage,
  fetch: window.fetch.bind(window),
  headers: headers(true),
  timeoutMs: SLOW_MS,
  onChange: updateBanner,
  // An answer arrived for a scan that waited: it is on screen only if it is still the one shown.
  onSettled: (item, outcome) => deliver(item, settledView(item, outcome), shownNonce === item.nonce),
});

// ---- the local roster and the online/offline switch ----
const roster = config.roster_url && window.indexedDB
  ? createRoster({ idb: window.indexedDB, name: "moim-roster:" + storePrefix })
  : null;
let rosterReady = false;
let erasedLink = false;

const sync = roster ? createSync({
  roster,
  fetch: window.fetch.bind(window),
  url: config.roster_url,
  headers: headers(false),
  slowMs: SLOW_MS,
  // Back online: what was scanned meanwhile goes up first, then the roster is fetched again.
  upload: () => queue.flush().then(() => {
    if (queue.count()) throw new Error("uploads still waiting");
  }),
  onState: updateBanner,
  onErase: () => {
    erasedLink = true;
    forgetThisPage();
    updateBanner();
  },
}) : null;

function offlineMode() {
  return Boolean(sync && rosterReady && sync.state() === "offline");
}

function updateBanner() {
  const banner = $("net-banner");
  const waiting = queue.count();
  document.body.toggleAttribute("data-offline", offlineMode());
  if (erasedLink) {
    banner.textContent = S.link_erased;
    banner.hidden = false;
    return;
  }
  if (offlineMode()) {
    const synced = roster.syncedAt();
    const time = synced ? clock(new Date(synced)).slice(0, 5) : S.offline_never;
    banner.textContent = fmt(S.offline_banner, { time, count: waiting });
    banner.hidden = false;
    return;
  }
  const offline = navigator.onLine === false;
  if (!waiting && !offline) {
    banner.hidden = true;
    banner.textContent = "";
    return;
  }
  banner.textContent = waiting ? fmt(S.network_banner, { count: waiting }) : S.network_banner_empty;
  banner.hidden = false;
}

window.addEventListener("online", () => {
  updateBanner();
  if (sync) sync.tick(); else queue.wake();
});
window.addEventListener("offline", () => {
  if (sync) sync.failed();
  updateBanner();
});

// The sentence of a local answer, with the server's own wording (the page has it translated).
function localMessage(answer, mode) {
  const time = answer.at ? clock(new Date(answer.at)).slice(0, 5) : "";
  switch (answer.result) {
    case "ok": return mode === "out" ? S.r_ok_out : S.r_ok;
    case "already_checked_in":
      return answer.gate ? fmt(S.r_already_checked_in, { time, gate: answer.gate }) : fmt(S.r_already_checked_in_time, { time });
    case "already_checked_out": return fmt(S.r_already_checked_out, { time });
    case "not_checked_in": return S.r_not_checked_in;
    case "cancelled": return S.r_cancelled;
    case "waitlisted": return S.r_waitlisted;
    default: return S.r_unknown_code;
  }
}

function localView(answer, mode) {
  const view = describe(Object.assign({}, answer, { message: localMessage(answer, mode), mode }), mode);
  view.detail = S.offline_detail;
  view.local = true;
  return view;
}

const TONE_OF = { ok: "ok", already_checked_in: "warn", not_checked_in: "warn", already_checked_out: "warn" };

// The server's answer to a queued scan; one answered offline says when the server saw it otherwise.
function settledView(item, outcome) {
  if (outcome.kind === "answer" && !outcome.body.tone) {
    outcome = Object.assign({}, outcome, {
      body: Object.assign({ tone: TONE_OF[outcome.body.result] || "error" }, outcome.body),
    });
  }
  const view = viewOf(outcome, item.body.mode);
  const local = item.body.local_result;
  if (outcome.kind === "answer" && local) {
    if (!view.title || view.title === S.server_error) view.title = localMessage(outcome.body, item.body.mode);
    if (outcome.body.conflict) view.detail = S.upload_conflict;
    else if (outcome.body.result !== local) view.detail = fmt(S.upload_differs, { message: view.title });
    view.uploaded = true;
  }
  return view;
}

// Answer a scanned code from the roster, at once, and keep the scan for the upload.
async function answerLocally(item) {
  const body = item.body;
  if (!roster.syncedAt()) {
    // Never synced: nothing to answer from. The scan waits for the network as before.
    queue.hold(item);
    const view = Object.assign(pendingView(item), { detail: S.offline_no_roster });
    remember(item.nonce, view);
    showAnswer(view, item.nonce);
    return view;
  }
  const hash = await codeHash(body.code);
  const { answer } = roster.answer(hash, body.mode, config.gate || currentGate());
  body.local_result = answer.result;
  queue.hold(item);
  const view = localView(answer, body.mode);
  remember(item.nonce, view);
  showAnswer(view, item.nonce);
  return view;
}

// An answer arrived: into the history; on screen too when it is the one being shown.
function deliver(item, view, onScreen) {
  remember(item.nonce, view);
  if (onScreen) showAnswer(view, item.nonce);
  if (item.body.registration_id && view.tone === "ok") clearSearch();
}

function scan(fields) {
  const body = { nonce: newNonce(), mode: currentMode(), method: fields.method, scanned_at: new Date().toISOString() };
  if (fields.code) body.code = fields.code;
  if (fields.registration_id) body.registration_id = fields.registration_id;
  const gate = currentGate();
  if (config.is_staff && gate) body.gate = gate;
  const item = { nonce: body.nonce, body, label: fields.label || "" };
  if (offlineMode() && body.code) {
    answerLocally(item);
    return;
  }
  queue.submit(item).then((outcome) => {
    if (outcome.kind === "queued") {
      // Failed or slower than 3 s: the network is down. A code is answered from the roster.
      if (sync) sync.failed();
      if (offlineMode() && body.code) {
        answerLocally(item);
        return;
      }
      showAnswer(pendingView(item), item.nonce);
      remember(item.nonce, pendingView(item));
      return;
    }
    deliver(item, viewOf(outcome, body.mode), true);
    if (roster && rosterReady && body.code && outcome.kind === "answer" && outcome.body.result === "ok") {
      // Known on this device at once, before the next roster refresh: a repeat offline is amber.
      codeHash(body.code).then((hash) => roster.answer(hash, body.mode, config.gate || currentGate()));
    }
  });
}

function undoCheckIn(view) {
  if (!canUndo(view)) return;
  request(config.undo_url, {
    method: "POST",
    headers: headers(true),
    body: JSON.stringify({ registration_id: view.registrationId, nonce: newNonce() }),
  }).then((response) => readBody(response).then((body) => {
    if (response.ok && body && (body.result === "undone" || body.result === "not_checked_in")) {
      view.undone = true;
      const shown = {
        result: body.result, tone: "pending", title: body.message || S.undone,
        name: view.name, company: view.company, role: "", detail: "",
      };
      remember(newNonce(), shown);
      showAnswer(shown, null);
      return;
    }
    showAnswer(failure((body && body.message) || S.undo_failed), null);
  }), () => {
    showAnswer(failure(S.undo_failed), null);
  });
}

// ---- search by name, company or the last 4 digits of a mobile ----
let searchTimer = null;
let searchSeq = 0;

function clearSearch() {
  searchInput.value = "";
  $("search-results").textContent = "";
  $("search-status").textContent = "";
}

function renderSearchButtons() {
  const label = currentMode() === "out" ? S.search_button_out : S.search_button_in;
  document.querySelectorAll("#search-results button").forEach((b) => { b.textContent = label; });
}

function renderSearch(results) {
  const list = $("search-results");
  list.textContent = "";
  $("search-status").textContent = results.length ? "" : S.search_none;
  results.forEach((person) => {
    const li = document.createElement("li");
    const who = document.createElement("span");
    who.className = "who";
    const name = document.createElement("strong");
    name.textContent = person.name;
    who.appendChild(name);
    const facts = [person.company, person.role_label, person.status_label];
    if (person.checked_in) facts.push(fmt(S.search_checked_in, { time: person.checked_in_at_label || "" }).trim());
    else if (person.checked_out_at_label) facts.push(fmt(S.search_checked_out, { time: person.checked_out_at_label }));
    if (person.mobile_last4) facts.push("…" + person.mobile_last4);
    const small = document.createElement("small");
    small.textContent = facts.filter(Boolean).join(" · ");
    who.appendChild(small);
    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("data-registration-id", person.registration_id);
    button.addEventListener("click", () => {
      scan({ registration_id: person.registration_id, method: "manual", label: person.name });
    });
    li.appendChild(who);
    li.appendChild(button);
    list.appendChild(li);
  });
  renderSearchButtons();
}

function runSearch() {
  const q = searchInput.value.trim();
  const seq = ++searchSeq;
  if (q.length < 2) {
    $("search-results").textContent = "";
    $("search-status").textContent = q.length ? S.search_short : "";
    return;
  }
  const url = new URL(config.search_url, window.location.href);
  url.searchParams.set("q", q);
  request(url.toString(), { headers: headers(false) }).then((response) => readBody(response).then((body) => {
    if (seq !== searchSeq) return; // a newer search is under way
    if (response.ok && body && body.results) { renderSearch(body.results); return; }
    $("search-results").textContent = "";
    $("search-status").textContent = (body && body.message) || S.search_failed;
  }), () => {
    if (seq === searchSeq) $("search-status").textContent = S.search_failed;
  });
}

searchInput.addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, 250);
});
// A badge scanned while the search box has focus lands there: send it as the scan it is.
searchInput.addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  event.preventDefault();
  clearTimeout(searchTimer);
  if (looksLikeCode(searchInput.value)) {
    const code = searchInput.value.trim();
    clearSearch();
    scan({ code, method: "hid" });
    return;
  }
  runSearch();
});

// ---- camera ----
const camera = createCamera({
  video: $("camera-video"),
  view: $("camera-view"),
  button: $("camera-toggle"),
  message: $("camera-message"),
  strings: S,
  jsqrSrc: scriptEl ? scriptEl.getAttribute("data-jsqr-src") : "",
  onCode: (text) => scan({ code: text, method: "qr" }),
  onPreference: (state) => store.save("camera", state),
});

// ---- start ----
renderHistory();
updateBanner();
queue.start();
registerWorker(config.sw_url, config.sw_scope);
installHint($("install-hint"), $("install-button"), $("install-close"), store);
if (roster) {
  roster.load().then(() => {
    // A device link past its expiry keeps no roster (its queued scans stay, for the grace period).
    if (config.link_expires_at && Date.now() >= Date.parse(config.link_expires_at)) return roster.erase();
    return undefined;
  }).then(() => {
    rosterReady = true;
    window.moimRoster = roster; // for the browser tests and the benchmark
    window.moimSync = sync;
    updateBanner();
    return sync.start();
  }).catch(() => { rosterReady = false; });
}
if (store.load("camera", "off") === "on") camera.start();
refocus();
