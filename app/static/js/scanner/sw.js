/* The scanner's service worker: served from /door/sw.js (app/checkin/pwa_routes.py) with VERSION and
   SHELL (the page's files) written above this line. It keeps the page shell, so a phone that opened its
   device link once reopens it with no network. API requests are never touched: scans, the roster and
   uploads always go to the network, and the page answers from its own roster when they fail. */

const SHELL_CACHE = "moim-scanner-shell-" + VERSION;
const PAGES_CACHE = "moim-scanner-pages";
const PAGE_TIMEOUT_MS = 3000;
// The scanner pages: a device link (/door/<token>) and the staff scanner of an event.
const PAGE_PATH = /^\/(door\/[A-Za-z0-9_-]{16,}|staff\/events\/\d+\/scanner)$/;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names
        .filter((n) => n.indexOf("moim-scanner-shell-") === 0 && n !== SHELL_CACHE)
        .map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("slow")), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

// The page: from the network when it answers within 3 s (a fresh CSRF token for staff, a revoked link
// found out), else the copy kept from the last visit. A link the server no longer knows loses its copy.
async function page(request) {
  const cache = await caches.open(PAGES_CACHE);
  try {
    const response = await withTimeout(fetch(request), PAGE_TIMEOUT_MS);
    if (response.ok && !response.redirected) {
      await cache.put(request.url, response.clone());
    } else if (response.status === 404 || response.status === 410) {
      await cache.delete(request.url);
    }
    return response;
  } catch (e) {
    const kept = await cache.match(request.url);
    if (kept) return kept;
    throw e;
  }
}

async function shell(request) {
  const cache = await caches.open(SHELL_CACHE);
  const kept = await cache.match(request.url, { ignoreSearch: true });
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request.url, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && PAGE_PATH.test(url.pathname)) {
    event.respondWith(page(request));
    return;
  }
  if (SHELL.indexOf(url.pathname) !== -1) event.respondWith(shell(request));
});
