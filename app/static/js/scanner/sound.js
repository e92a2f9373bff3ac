/* The door scanner's beeps (WebAudio) and vibration: a door volunteer hears the answer without looking. */

let audio = null;

function audioContext() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return null;
  if (!audio) {
    try { audio = new Ctx(); } catch (e) { return null; }
  }
  if (audio.state === "suspended") audio.resume();
  return audio;
}

// Browsers only let a page make sound after a gesture: unlock on the first one.
export function unlockAudioOnFirstGesture(doc = document) {
  ["pointerdown", "keydown"].forEach((type) => {
    doc.addEventListener(type, function unlock() {
      audioContext();
      doc.removeEventListener(type, unlock, true);
    }, true);
  });
}

function beep(freq, start, duration) {
  const ctx = audio;
  if (!ctx || ctx.state !== "running") return;
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  const t = ctx.currentTime + start;
  osc.type = "square";
  osc.frequency.value = freq;
  gain.gain.setValueAtTime(0.0001, t);
  gain.gain.exponentialRampToValueAtTime(0.25, t + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, t + duration);
  osc.connect(gain);
  gain.connect(ctx.destination);
  osc.start(t);
  osc.stop(t + duration + 0.02);
}

const VIBRATION = { ok: [60], warn: [150, 80, 150], error: [300, 120, 300], pending: [40] };

// High and short for admitted, one low for a warning, two low for a refusal.
export function signal(tone) {
  if (tone === "ok") { beep(1760, 0, 0.12); }
  else if (tone === "warn") { beep(880, 0, 0.18); }
  else if (tone === "error") { beep(220, 0, 0.22); beep(220, 0.3, 0.22); }
  else { beep(600, 0, 0.06); }
  if (navigator.vibrate) {
    try { navigator.vibrate(VIBRATION[tone] || [40]); } catch (e) { /* not allowed yet */ }
  }
}
