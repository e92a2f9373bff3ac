/* Small JSON values kept in the browser's storage, for the door scanner's modules. */

// A private window, a full disk or storage switched off must never stop a scan: every failure
// here falls back to the given value (reading) or to memory only (writing).

export function readJSON(storage, key, fallback) {
  if (!storage) return fallback;
  try {
    const raw = storage.getItem(key);
    return raw === null ? fallback : JSON.parse(raw);
  } catch (e) {
    return fallback;
  }
}

export function writeJSON(storage, key, value) {
  if (!storage) return;
  try { storage.setItem(key, JSON.stringify(value)); } catch (e) { /* memory only */ }
}

// Names under one prefix, so a door device and a staff page on one laptop keep apart.
export function createStore(storage, prefix) {
  return {
    load: (name, fallback) => readJSON(storage, prefix + name, fallback),
    save: (name, value) => writeJSON(storage, prefix + name, value),
  };
}

// Merely reading window.localStorage throws where storage is blocked.
export function browserStorage() {
  try { return window.localStorage; } catch (e) { return null; }
}
