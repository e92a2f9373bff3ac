/* The offline scan queue: scans the network could not deliver wait here, and in storage so a reload
   keeps them, and are sent again oldest first, each with its own nonce, after a growing delay. */

// No DOM in here: storage, fetch, clock and randomness are handed in, so a test can drive it.
// The nonce is what makes a retry safe: the server answers a nonce it has seen with its first
// answer instead of scanning again (docs/CHECKIN_API.md), so a lost answer never admits twice.

import { fetchWithTimeout, readBody, REQUEST_TIMEOUT_MS } from "./net.js";
import { readJSON, writeJSON } from "./store.js";

export const RETRY_MIN_MS = 1000;
export const RETRY_MAX_MS = 30000;
// A proxy or server briefly down, or a rate limit: the scan is still worth sending later. Any
// other refusal (a bad request, an expired link) would be refused again, so it is reported.
export const RETRY_STATUSES = [408, 425, 429, 502, 503, 504];

const realClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};

// 128 random bits as 32 hex digits: inside the API's 8-64 characters of [A-Za-z0-9_-].
export function newNonce(cryptoApi = globalThis.crypto) {
  if (cryptoApi && typeof cryptoApi.randomUUID === "function") {
    return cryptoApi.randomUUID().replace(/-/g, "");
  }
  const bytes = new Uint8Array(16);
  cryptoApi.getRandomValues(bytes);
  return Array.prototype.map.call(bytes, (b) => (b < 16 ? "0" : "") + b.toString(16)).join("");
}

export function nextRetryDelay(delay) {
  return Math.min(delay * 2, RETRY_MAX_MS);
}

// One attempt at a scan. Resolves (never rejects) to one of
//   {kind: "answer", status, body}   the server's scan answer (admitted or not: it has a result)
//   {kind: "refused", status, body}  a refusal that sending again would not change
//   {kind: "retry", status}          offline, timed out, or a passing server trouble
export function sendScan({ fetch: fetchFn, url, headers, body, timeoutMs = REQUEST_TIMEOUT_MS, clock = realClock }) {
  const options = {
    method: "POST",
    headers: Object.assign({ Accept: "application/json", "Content-Type": "application/json" }, headers),
    body: JSON.stringify(body),
  };
  return fetchWithTimeout(fetchFn, url, options, timeoutMs, clock).then((response) => {
    return readBody(response).then((answer) => {
      if (response.ok && answer && answer.result) return { kind: "answer", status: response.status, body: answer };
      if (RETRY_STATUSES.indexOf(response.status) !== -1) return { kind: "retry", status: response.status };
      return { kind: "refused", status: response.status, body: answer };
    });
  }, () => ({ kind: "retry", status: 0 }));
}

function validItems(value) {
  if (!Array.isArray(value)) return [];
  return value.filter((item) => item && typeof item.nonce === "string" && item.body && typeof item.body === "object");
}

// An item is {nonce, body, label}: `body` is what is posted (it carries the nonce), `label` what the
// page shows while it waits. `onSettled(item, outcome)` hears of every queued item that got a final
// answer ("answer" or "refused"); `onChange(count)` of every change in what waits.
export function createScanQueue(options) {
  const url = options.url;
  const key = options.key;
  const storage = options.storage || null;
  const fetchFn = options.fetch;
  const headers = options.headers || {};
  const clock = options.clock || realClock;
  const random = options.random || Math.random;
  const timeoutMs = options.timeoutMs || REQUEST_TIMEOUT_MS;
  const onChange = options.onChange || function () {};
  const onSettled = options.onSettled || function () {};
  // The batch upload (POST .../scans, docs/CHECKIN_API.md), when the server has one: every waiting
  // scan in one request, each with its own nonce, scan time and local answer.
  const batchUrl = options.batchUrl || null;
  const BATCH_SIZE = 100;

  let items = validItems(readJSON(storage, key, []));
  let delay = RETRY_MIN_MS;
  let timer = null;
  let flushing = false;

  function attempt(item) {
    return sendScan({ fetch: fetchFn, url, headers, body: item.body, timeoutMs, clock });
  }

  function persist() {
    writeJSON(storage, key, items);
    onChange(items.length);
  }

  function schedule(ms) {
    clock.clearTimeout(timer);
    timer = clock.setTimeout(flush, ms);
  }

  function enqueue(item) {
    // A nonce is one scan: queued twice it would still be one, but shown as two waiting.
    if (!items.some((q) => q.nonce === item.nonce)) items.push(item);
    persist();
    schedule(delay);
  }

  function settle(item, outcome) {
    // The page's trouble must not stall the queue: report it, go on sending.
    try { onSettled(item, outcome); } catch (e) { Promise.reject(e); }
  }

  function flushBatch() {
    flushing = true;
    clock.clearTimeout(timer);
    timer = null;
    const batch = items.slice(0, BATCH_SIZE);
    const options = {
      method: "POST",
      headers: Object.assign({ Accept: "application/json", "Content-Type": "application/json" }, headers),
      // sent_at: this device's clock now, so the server can correct scan times of a phone whose
      // clock is minutes off instead of refusing them as in the future.
      body: JSON.stringify({ sent_at: new Date().toISOString(), scans: batch.map((item) => item.body) }),
    };
    return fetchWithTimeout(fetchFn, batchUrl, options, timeoutMs, clock).then((response) => readBody(response).then((answer) => {
      flushing = false;
      if (response.ok && answer && Array.isArray(answer.results)) {
        const byNonce = {};
        answer.results.forEach((r) => { if (r && r.nonce) byNonce[r.nonce] = r; });
        const sent = batch.filter((item) => byNonce[item.nonce]);
        items = items.filter((q) => !byNonce[q.nonce]);
        persist();
        delay = RETRY_MIN_MS;
        sent.forEach((item) => settle(item, { kind: "answer", status: response.status, body: byNonce[item.nonce] }));
        return items.length && sent.length ? flush() : undefined;
      }
      if (RETRY_STATUSES.indexOf(response.status) === -1 && response.status !== 0 && response.status !== 404) {
        // Refused as a whole (a malformed batch, a dead link past the grace period): report each.
        items = items.filter((q) => batch.indexOf(q) === -1);
        persist();
        batch.forEach((item) => settle(item, { kind: "refused", status: response.status, body: answer }));
        return items.length ? flush() : undefined;
      }
      delay = nextRetryDelay(delay);
      schedule(delay * (0.75 + random() * 0.5));
      return undefined;
    }), () => {
      flushing = false;
      delay = nextRetryDelay(delay);
      schedule(delay * (0.75 + random() * 0.5));
      return undefined;
    });
  }

  // Send the oldest waiting scan; on success the next follows at once, so order is kept.
  function flush() {
    if (flushing || !items.length) return Promise.resolve();
    if (batchUrl) return flushBatch();
    flushing = true;
    clock.clearTimeout(timer);
    timer = null;
    const item = items[0];
    return attempt(item).then((outcome) => {
      flushing = false;
      if (outcome.kind === "retry") {
        // Back off (with jitter, so many phones do not retry in step) until the network returns.
        delay = nextRetryDelay(delay);
        schedule(delay * (0.75 + random() * 0.5));
        return undefined;
      }
      items = items.filter((q) => q.nonce !== item.nonce);
      persist();
      delay = RETRY_MIN_MS;
      settle(item, outcome);
      return items.length ? flush() : undefined;
    });
  }

  // A new scan. Resolves to the outcome of a direct attempt, or {kind: "queued"} when it waits.
  function submit(item) {
    // While older scans wait, a new one waits behind them (the network is known to be bad), and
    // it is the moment to try the oldest again.
    if (items.length) {
      enqueue(item);
      schedule(0);
      return Promise.resolve({ kind: "queued" });
    }
    return attempt(item).then((outcome) => {
      if (outcome.kind !== "retry") return outcome;
      enqueue(item);
      return { kind: "queued" };
    });
  }

  return {
    submit,
    flush,
    // A scan answered on the device (offline): it waits for the upload without a first attempt.
    hold(item) {
      enqueue(item);
    },
    // The network is back: no reason to wait out the backoff.
    wake() {
      delay = RETRY_MIN_MS;
      return flush();
    },
    // Scans left from before a reload go out soon after the page opens.
    start() {
      if (items.length) schedule(0);
    },
    count: () => items.length,
    items: () => items.map((item) => Object.assign({}, item)),
  };
}
