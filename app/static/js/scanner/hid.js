/* Codes from a USB/Bluetooth (HID) barcode scanner, which types a code and Enter like a keyboard. */

// Keys typed outside the inputs count as one code while they keep coming: a scanner types a
// character every few milliseconds; a longer pause drops what came before (a stray key press).
export const HID_MAX_GAP_MS = 500;
export const HID_MIN_LENGTH = 6;

// A ticket code: 26 base32 characters (case, spaces and dashes ignored, as the server does).
export function looksLikeCode(text) {
  const cleaned = text.toUpperCase().replace(/[\s-]/g, "");
  return cleaned.length === 26 && /^[A-Z2-7]+$/.test(cleaned) && /[2-7]/.test(cleaned);
}

// Wires the code box and the page-wide keystroke buffer; `onCode(code)` gets each code read.
// `keepFocusOn` are boxes a person types in: focus is never taken from them.
export function createHidInput({ form, codeInput, keepFocusOn, keyboardFirst, onCode, now = Date.now, doc = document }) {
  const guarded = (keepFocusOn || []).filter(Boolean);

  // On a laptop the scanner types into the code box, so it keeps focus between scans; on a phone
  // focusing it would pop up the on-screen keyboard over the camera.
  function refocus() {
    if (!keyboardFirst || !codeInput) return;
    if (guarded.indexOf(doc.activeElement) !== -1) return;
    codeInput.focus({ preventScroll: true });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = codeInput.value.trim();
    codeInput.value = "";
    if (code) onCode(code);
  });

  // When focus is on a button or nowhere, the scanner's keys are caught here.
  let buffer = "";
  let lastKeyAt = 0;
  doc.addEventListener("keydown", (event) => {
    const target = event.target;
    const tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const at = now();
    if (event.key === "Enter") {
      if (buffer.length >= HID_MIN_LENGTH && at - lastKeyAt <= HID_MAX_GAP_MS) {
        event.preventDefault();
        const code = buffer;
        buffer = "";
        onCode(code);
      }
      buffer = "";
      return;
    }
    if (event.key.length !== 1) return;
    if (at - lastKeyAt > HID_MAX_GAP_MS) buffer = "";
    buffer += event.key;
    lastKeyAt = at;
  });

  return { refocus };
}
