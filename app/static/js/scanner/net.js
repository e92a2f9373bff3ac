/* HTTP for the door scanner: requests that give up after a few seconds, and JSON bodies read safely. */

// A door with bad Wi-Fi can hold a request open for a minute; a scan must not wait that long.
export const REQUEST_TIMEOUT_MS = 5000;

const realClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};

// `fetchFn` and `clock` are passed in so the queue can be driven by a test's fakes.
export function fetchWithTimeout(fetchFn, url, options, timeoutMs = REQUEST_TIMEOUT_MS, clock = realClock) {
  const controller = typeof AbortController === "function" ? new AbortController() : null;
  let timer = null;
  const opts = Object.assign({ credentials: "same-origin", cache: "no-store" }, options);
  if (controller) opts.signal = controller.signal;
  return new Promise((resolve, reject) => {
    // A fetch that ignores the signal is still given up on: the caller treats it as offline.
    timer = clock.setTimeout(() => {
      if (controller) controller.abort();
      reject(new Error("timeout"));
    }, timeoutMs);
    Promise.resolve().then(() => fetchFn(url, opts)).then(resolve, reject);
  }).finally(() => clock.clearTimeout(timer));
}

// A proxy's HTML error page or an empty body is no answer, not a crash.
export function readBody(response) {
  return Promise.resolve()
    .then(() => response.json())
    .catch(() => null);
}
