/* The scanner as an installed app: the service worker that keeps the page for offline use, and the
   "홈 화면에 추가" hint. */

export const PAGES_CACHE = "moim-scanner-pages";

// The worker lives at /door/sw.js; it may control the staff scanner too (Service-Worker-Allowed).
// Service workers need a secure context (HTTPS, or localhost/127.0.0.1 while developing).
export function registerWorker(swUrl, scope) {
  if (!swUrl || !("serviceWorker" in navigator) || !window.isSecureContext) return Promise.resolve(null);
  return navigator.serviceWorker.register(swUrl, { scope })
    .then(() => navigator.serviceWorker.ready)
    // The first visit came before the worker: keep this page now, so it opens offline next time.
    .then((registration) => caches.open(PAGES_CACHE).then((cache) => cache.match(window.location.href)
      .then((kept) => (kept ? undefined : cache.add(window.location.href))))
      .then(() => registration))
    .catch(() => null);
}

// A dead link's page must not open again from the cache.
export function forgetThisPage() {
  if (!("caches" in window)) return Promise.resolve();
  return caches.open(PAGES_CACHE).then((cache) => cache.delete(window.location.href)).catch(() => undefined);
}

function standalone() {
  return (window.matchMedia && window.matchMedia("(display-mode: standalone)").matches) ||
    window.navigator.standalone === true;
}

// Chrome offers an install prompt; Safari has none, so the hint says where the menu item is.
export function installHint(hint, button, close, store) {
  if (!hint || standalone() || store.load("install-hint", "") === "closed") return;
  let prompt = null;
  hint.hidden = false;
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();
    prompt = event;
    button.hidden = false;
  });
  button.addEventListener("click", () => {
    if (!prompt) return;
    prompt.prompt();
    prompt = null;
    button.hidden = true;
  });
  close.addEventListener("click", () => {
    hint.hidden = true;
    store.save("install-hint", "closed");
  });
  window.addEventListener("appinstalled", () => { hint.hidden = true; });
}
