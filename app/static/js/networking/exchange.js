/* 명함 교환 on an attendee's phone: the camera (or a typed code) reads another attendee's contact QR,
   the server records the exchange and answers with their card; the note and rating are saved after. */

// Reuses the door scanner's modules: its camera (BarcodeDetector or the vendored jsQR), its beeps
// and its HTTP helpers. Every string shown comes from the page (#exchange-strings), and each
// answer's sentence and colour from the server: a refusal this page never heard of still reads right.

import { createCamera } from "../scanner/camera.js";
import { fetchWithTimeout, readBody } from "../scanner/net.js";
import { signal, unlockAudioOnFirstGesture } from "../scanner/sound.js";

const config = JSON.parse(document.getElementById("exchange-config").textContent);
const S = JSON.parse(document.getElementById("exchange-strings").textContent);
const scriptEl = document.querySelector("script[data-jsqr-src]");
const TONES = ["ok", "warn", "error"];

function $(id) { return document.getElementById(id); }

const answerEl = $("answer");
const cardEl = $("contact-card");
const noteForm = $("note-form");
const noteInput = $("note-input");
const ratingInput = $("rating-input");
const noteStatus = $("note-status");
let shownContact = null;
let busy = false;

unlockAudioOnFirstGesture(document);

function headers() {
  return { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": config.csrf_token };
}

function post(url, body) {
  return fetchWithTimeout(window.fetch.bind(window), url, {
    method: "POST",
    headers: headers(),
    body: JSON.stringify(body),
  }).then((response) => readBody(response).then((data) => ({ response, data })));
}

// `result` is the server's reason code (exchanged, already_exchanged, ticket_code, ...) or the
// page's own (pending, error).
function showAnswer(tone, message, contact, result) {
  answerEl.className = "exchange-answer tone-" + tone;
  answerEl.setAttribute("data-result", result || tone);
  $("answer-title").textContent = message;
  shownContact = contact || null;
  if (contact) {
    $("card-name").textContent = contact.name;
    $("card-job").textContent = contact.job_title || "";
    $("card-company").textContent = contact.company || "";
    noteInput.value = contact.note || "";
    ratingInput.value = contact.rating ? String(contact.rating) : "";
    noteStatus.textContent = "";
  }
  cardEl.hidden = !contact;
  answerEl.hidden = false;
}

function failure(data, response) {
  if (data && data.message) return data.message;
  if (response && (response.status === 403 || response.status === 404)) return S.denied;
  return S.server_error;
}

// A typed code may come without its "MOIMC:" (people type what they read after it).
function typedCode(text) {
  const trimmed = text.trim();
  if (!trimmed || trimmed.indexOf(":") !== -1) return trimmed;
  return config.prefix + trimmed;
}

function exchange(code) {
  if (busy || !code) return;
  busy = true;
  showAnswer("pending", S.sending, null, "pending");
  post(config.scan_url, { code })
    .then(({ response, data }) => {
      if (response.ok && data && data.result) {
        const tone = TONES.indexOf(data.tone) !== -1 ? data.tone : "error";
        showAnswer(tone, data.message || S.server_error, data.contact, data.result);
        signal(tone);
        return;
      }
      showAnswer("error", failure(data, response), null);
      signal("error");
    }, () => {
      showAnswer("error", S.network_error, null);
      signal("error");
    })
    .then(() => { busy = false; });
}

$("code-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("code-input");
  const code = typedCode(input.value);
  if (!code) {
    showAnswer("error", S.code_empty, null);
    return;
  }
  input.value = "";
  exchange(code);
});

noteForm.addEventListener("submit", (event) => {
  event.preventDefault();
  if (!shownContact) return;
  const contact = shownContact;
  noteStatus.textContent = S.note_saving;
  post(contact.note_url, { note: noteInput.value, rating: ratingInput.value || null })
    .then(({ response, data }) => {
      if (response.ok && data && data.contact) {
        Object.assign(contact, data.contact);
        noteStatus.textContent = data.message || S.note_saved;
        return;
      }
      noteStatus.textContent = failure(data, response) || S.note_failed;
    }, () => { noteStatus.textContent = S.note_failed; });
});

createCamera({
  video: $("camera-video"),
  view: $("camera-view"),
  button: $("camera-toggle"),
  message: $("camera-message"),
  strings: S,
  jsqrSrc: scriptEl ? scriptEl.getAttribute("data-jsqr-src") : "",
  onCode: (text) => exchange(text),
  onPreference: () => { /* the camera starts when the person asks, each time */ },
});
