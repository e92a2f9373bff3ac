/* The door scanner: reads badge codes (camera, USB/Bluetooth scanner, or a search) and sends them
   to the check-in API; scans that meet a dead network wait in a queue and are retried with the same
   nonce, so a retry never admits twice. No framework: a phone at a door must load this at once.
   Every string shown comes from the page (#scanner-strings), translated on the server. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("scanner-config").textContent);
  var S = JSON.parse(document.getElementById("scanner-strings").textContent);
  var scriptEl = document.currentScript;

  var REQUEST_TIMEOUT_MS = 5000;
  var SAME_CODE_PAUSE_MS = 3000; // one badge held in front of the camera is one scan
  var FRAME_INTERVAL_MS = 110; // about 9 decodes a second: enough, and spares a phone's battery
  var DECODE_WIDTH = 640;
  var HISTORY_SIZE = 10;
  var DISMISS_MS = { ok: 2500, warn: 4000, pending: 2500, error: 7000 };
  var RETRY_MIN_MS = 1000;
  var RETRY_MAX_MS = 30000;
  // Keys typed outside the inputs count as one code while they keep coming: a scanner types a
  // character every few milliseconds; a longer pause drops what came before (a stray key press).
  var HID_MAX_GAP_MS = 500;
  var HID_MIN_LENGTH = 6;

  function $(id) { return document.getElementById(id); }
  function fmt(text, vars) {
    return text.replace(/\{(\w+)\}/g, function (m, key) { return key in vars ? String(vars[key]) : m; });
  }

  // ---- storage (a private window or a full disk must not break scanning) ----
  var storePrefix = "moim-scanner:" + (config.is_staff ? "staff" : "door") + ":" + config.scan_url + ":";
  function load(name, fallback) {
    try {
      var raw = window.localStorage.getItem(storePrefix + name);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) { return fallback; }
  }
  function save(name, value) {
    try { window.localStorage.setItem(storePrefix + name, JSON.stringify(value)); } catch (e) { /* memory only */ }
  }

  function newNonce() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID().replace(/-/g, "");
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  // ---- page state ----
  var codeInput = $("code-input");
  var gateInput = $("gate-input");
  var searchInput = $("search-input");
  var answerEl = $("answer");
  var keyboardFirst = window.matchMedia && window.matchMedia("(pointer: fine)").matches;

  function currentMode() {
    var checked = document.querySelector('input[name="mode"]:checked');
    return checked ? checked.value : "in";
  }
  function currentGate() {
    if (config.gate) return config.gate;
    return gateInput ? gateInput.value.trim().slice(0, 60) : "";
  }

  if (gateInput) {
    gateInput.value = load("gate", "");
    gateInput.addEventListener("change", function () { save("gate", gateInput.value.trim()); });
  }
  Array.prototype.forEach.call(document.querySelectorAll('input[name="mode"]'), function (radio) {
    radio.addEventListener("change", function () {
      document.body.setAttribute("data-mode", currentMode());
      $("mode-out-notice").hidden = currentMode() !== "out";
      renderSearchButtons();
      refocus();
    });
  });

  // ---- sound and vibration ----
  var audio = null;
  function audioContext() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    if (!audio) { try { audio = new Ctx(); } catch (e) { return null; } }
    if (audio.state === "suspended") audio.resume();
    return audio;
  }
  // Browsers only let a page make sound after a gesture: unlock on the first one.
  ["pointerdown", "keydown"].forEach(function (type) {
    document.addEventListener(type, function unlock() {
      audioContext();
      document.removeEventListener(type, unlock, true);
    }, true);
  });
  function beep(freq, start, duration) {
    var ctx = audio;
    if (!ctx || ctx.state !== "running") return;
    var osc = ctx.createOscillator();
    var gain = ctx.createGain();
    var t = ctx.currentTime + start;
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
  function signal(tone) {
    if (tone === "ok") { beep(1760, 0, 0.12); }
    else if (tone === "warn") { beep(880, 0, 0.18); }
    else if (tone === "error") { beep(220, 0, 0.22); beep(220, 0.3, 0.22); }
    else { beep(600, 0, 0.06); }
    if (navigator.vibrate) {
      var patterns = { ok: [60], warn: [150, 80, 150], error: [300, 120, 300], pending: [40] };
      try { navigator.vibrate(patterns[tone] || [40]); } catch (e) { /* not allowed yet */ }
    }
  }

  // ---- answers ----
  function toneOf(result) {
    if (result === "ok") return "ok";
    if (result === "already_checked_in" || result === "not_checked_in" || result === "already_checked_out") return "warn";
    if (result === "pending") return "pending";
    return "error";
  }

  // An answer as the page shows it. The server's `message` is the whole sentence (it already names
  // the time and gate of an earlier check-in, or the event a stray badge belongs to).
  function describe(body, mode) {
    var attendee = body.attendee || null;
    return {
      result: body.result,
      tone: toneOf(body.result),
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

  var dismissTimer = null;
  var shownNonce = null;
  function showAnswer(view, nonce, withSignal) {
    clearTimeout(dismissTimer);
    answerEl.className = "answer tone-" + view.tone;
    answerEl.setAttribute("data-result", view.result);
    $("answer-title").textContent = view.title;
    $("answer-name").textContent = view.name;
    $("answer-company").textContent = view.company;
    $("answer-role").textContent = view.role;
    $("answer-detail").textContent = view.detail;
    var undo = $("answer-undo");
    undo.hidden = !canUndo(view);
    undo.onclick = function (event) {
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
    var opts = { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: "Asia/Seoul" };
    try { return date.toLocaleTimeString("ko-KR", opts); } catch (e) {
      delete opts.timeZone;
      return date.toLocaleTimeString("ko-KR", opts);
    }
  }
  var history = [];
  function remember(nonce, view) {
    var at = new Date();
    var existing = history.filter(function (h) { return h.nonce === nonce; })[0];
    if (existing) {
      existing.view = view;
    } else {
      history.unshift({ nonce: nonce, view: view, at: at });
      history.length = Math.min(history.length, HISTORY_SIZE);
    }
    renderHistory();
  }
  function renderHistory() {
    var list = $("history");
    list.textContent = "";
    $("history-empty").hidden = history.length > 0;
    history.forEach(function (entry, index) {
      var li = document.createElement("li");
      li.className = "tone-" + entry.view.tone;
      li.setAttribute("data-result", entry.view.result);
      var time = document.createElement("time");
      time.dateTime = entry.at.toISOString();
      time.textContent = clock(entry.at);
      var what = document.createElement("span");
      what.className = "what";
      what.textContent = entry.view.name || entry.view.title;
      if (entry.view.name) {
        var small = document.createElement("small");
        small.textContent = [entry.view.title, entry.view.company].filter(Boolean).join(" · ");
        what.appendChild(small);
      }
      li.appendChild(time);
      li.appendChild(what);
      if (index === 0 && canUndo(entry.view)) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "secondary outline";
        button.textContent = S.undo;
        button.addEventListener("click", function () { undoCheckIn(entry.view); });
        li.appendChild(button);
      }
      list.appendChild(li);
    });
  }

  // ---- talking to the server ----
  function headers(withBody) {
    var h = { Accept: "application/json" };
    if (withBody) h["Content-Type"] = "application/json";
    if (config.csrf_token) h["X-CSRFToken"] = config.csrf_token;
    if (config.door_token) h["X-Door-Token"] = config.door_token;
    return h;
  }

  function request(url, options) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    var opts = Object.assign({ credentials: "same-origin", cache: "no-store", signal: controller.signal }, options);
    return fetch(url, opts).finally(function () { clearTimeout(timer); });
  }

  // One attempt at a scan: resolves to {kind: "answer"|"retry"|"failed", view}.
  function postScan(scan) {
    return request(config.scan_url, {
      method: "POST",
      headers: headers(true),
      body: JSON.stringify(scan.body),
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.ok && body && body.result) {
          return { kind: "answer", view: describe(body, scan.body.mode) };
        }
        if (response.status === 401 || response.status === 403) {
          return { kind: "failed", view: failure((body && body.message) || S.denied) };
        }
        // A proxy or server briefly down, or a rate limit: the scan is still worth sending later.
        if ([408, 425, 429, 502, 503, 504].indexOf(response.status) !== -1) {
          return { kind: "retry" };
        }
        return { kind: "failed", view: failure((body && body.message) || S.server_error) };
      });
    }, function () {
      return { kind: "retry" }; // offline, refused, or our own 5 s timeout
    });
  }

  // ---- the retry queue (memory + localStorage, so a reload keeps waiting scans) ----
  var queue = load("queue", []);
  var retryDelay = RETRY_MIN_MS;
  var retryTimer = null;
  var flushing = false;

  function persistQueue() { save("queue", queue); updateBanner(); }

  function enqueue(scan) {
    if (!queue.some(function (q) { return q.nonce === scan.nonce; })) queue.push(scan);
    persistQueue();
    scheduleFlush(retryDelay);
  }

  function scheduleFlush(delay) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, delay);
  }

  function flush() {
    if (flushing || !queue.length) return;
    flushing = true;
    clearTimeout(retryTimer);
    var scan = queue[0];
    postScan(scan).then(function (outcome) {
      flushing = false;
      if (outcome.kind === "retry") {
        // Back off (with jitter, so many phones do not retry in step) until the network returns.
        retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
        scheduleFlush(retryDelay * (0.75 + Math.random() * 0.5));
        return;
      }
      queue = queue.filter(function (q) { return q.nonce !== scan.nonce; });
      persistQueue();
      retryDelay = RETRY_MIN_MS;
      deliver(scan, outcome.view, shownNonce === scan.nonce);
      if (queue.length) flush();
    });
  }

  function updateBanner() {
    var banner = $("net-banner");
    var offline = navigator.onLine === false;
    if (!queue.length && !offline) {
      banner.hidden = true;
      banner.textContent = "";
      return;
    }
    banner.textContent = queue.length ? fmt(S.network_banner, { count: queue.length }) : S.network_banner_empty;
    banner.hidden = false;
  }

  window.addEventListener("online", function () {
    updateBanner();
    retryDelay = RETRY_MIN_MS;
    flush();
  });
  window.addEventListener("offline", updateBanner);

  // An answer arrived: into the history; on screen too when it is the one being shown.
  function deliver(scan, view, onScreen) {
    remember(scan.nonce, view);
    if (onScreen) showAnswer(view, scan.nonce);
    if (scan.body.registration_id && view.tone === "ok") clearSearch();
  }

  function pendingView(scan) {
    return {
      result: "pending", tone: "pending", title: S.pending_title, name: scan.label || "",
      company: "", role: "", detail: S.pending_detail,
    };
  }

  function scan(fields) {
    var body = {
      nonce: newNonce(),
      mode: currentMode(),
      method: fields.method,
    };
    if (fields.code) body.code = fields.code;
    if (fields.registration_id) body.registration_id = fields.registration_id;
    var gate = currentGate();
    if (config.is_staff && gate) body.gate = gate;
    var item = { nonce: body.nonce, body: body, label: fields.label || "" };

    // While older scans wait, a new one waits behind them: the network is known to be bad.
    if (queue.length) {
      enqueue(item);
      showAnswer(pendingView(item), item.nonce);
      remember(item.nonce, pendingView(item));
      scheduleFlush(0);
      return;
    }
    postScan(item).then(function (outcome) {
      if (outcome.kind === "retry") {
        enqueue(item);
        showAnswer(pendingView(item), item.nonce);
        remember(item.nonce, pendingView(item));
        return;
      }
      deliver(item, outcome.view, true);
    });
  }

  function undoCheckIn(view) {
    if (!canUndo(view)) return;
    request(config.undo_url, {
      method: "POST",
      headers: headers(true),
      body: JSON.stringify({ registration_id: view.registrationId, nonce: newNonce() }),
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.ok && body && (body.result === "undone" || body.result === "not_checked_in")) {
          view.undone = true;
          var shown = {
            result: body.result, tone: "pending", title: body.message || S.undone,
            name: view.name, company: view.company, role: "", detail: "",
          };
          remember(newNonce(), shown);
          showAnswer(shown, null);
          return;
        }
        showAnswer(failure((body && body.message) || S.undo_failed), null);
      });
    }, function () {
      showAnswer(failure(S.undo_failed), null);
    });
  }

  // ---- hardware (HID) scanner and typed codes ----
  function refocus() {
    if (!keyboardFirst || !codeInput) return;
    var active = document.activeElement;
    // Never steal focus from a box the person is typing in.
    if (active === searchInput || (gateInput && active === gateInput)) return;
    codeInput.focus({ preventScroll: true });
  }

  $("code-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var code = codeInput.value.trim();
    codeInput.value = "";
    if (code) scan({ code: code, method: "hid" });
  });

  // A scanner "types" the code and Enter; when focus is on a button or nowhere, catch it here.
  var keyBuffer = "";
  var lastKeyAt = 0;
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var now = Date.now();
    if (event.key === "Enter") {
      if (keyBuffer.length >= HID_MIN_LENGTH && now - lastKeyAt <= HID_MAX_GAP_MS) {
        event.preventDefault();
        var code = keyBuffer;
        keyBuffer = "";
        scan({ code: code, method: "hid" });
      }
      keyBuffer = "";
      return;
    }
    if (event.key.length !== 1) return;
    if (now - lastKeyAt > HID_MAX_GAP_MS) keyBuffer = "";
    keyBuffer += event.key;
    lastKeyAt = now;
  });

  // ---- search by name, company or the last 4 digits of a mobile ----
  var searchTimer = null;
  var searchSeq = 0;
  var searchResults = [];

  function clearSearch() {
    searchInput.value = "";
    searchResults = [];
    $("search-results").textContent = "";
    $("search-status").textContent = "";
  }

  function renderSearchButtons() {
    var label = currentMode() === "out" ? S.search_button_out : S.search_button_in;
    Array.prototype.forEach.call(document.querySelectorAll("#search-results button"), function (b) {
      b.textContent = label;
    });
  }

  function renderSearch(results) {
    var list = $("search-results");
    list.textContent = "";
    searchResults = results;
    $("search-status").textContent = results.length ? "" : S.search_none;
    results.forEach(function (person) {
      var li = document.createElement("li");
      var who = document.createElement("span");
      who.className = "who";
      var name = document.createElement("strong");
      name.textContent = person.name;
      who.appendChild(name);
      var facts = [person.company, person.role_label, person.status_label];
      if (person.checked_in) facts.push(fmt(S.search_checked_in, { time: person.checked_in_at_label || "" }).trim());
      else if (person.checked_out_at_label) facts.push(fmt(S.search_checked_out, { time: person.checked_out_at_label }));
      if (person.mobile_last4) facts.push("…" + person.mobile_last4);
      var small = document.createElement("small");
      small.textContent = facts.filter(Boolean).join(" · ");
      who.appendChild(small);
      var button = document.createElement("button");
      button.type = "button";
      button.setAttribute("data-registration-id", person.registration_id);
      button.addEventListener("click", function () {
        scan({ registration_id: person.registration_id, method: "manual", label: person.name });
      });
      li.appendChild(who);
      li.appendChild(button);
      list.appendChild(li);
    });
    renderSearchButtons();
  }

  function runSearch() {
    var q = searchInput.value.trim();
    var seq = ++searchSeq;
    if (q.length < 2) {
      $("search-results").textContent = "";
      $("search-status").textContent = q.length ? S.search_short : "";
      return;
    }
    var url = new URL(config.search_url, window.location.href);
    url.searchParams.set("q", q);
    request(url.toString(), { headers: headers(false) }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (seq !== searchSeq) return; // a newer search is under way
        if (response.ok && body && body.results) { renderSearch(body.results); return; }
        $("search-results").textContent = "";
        $("search-status").textContent = (body && body.message) || S.search_failed;
      });
    }, function () {
      if (seq === searchSeq) $("search-status").textContent = S.search_failed;
    });
  }

  searchInput.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 250);
  });
  // A badge scanned while the search box has focus lands there: send it as the scan it is.
  function looksLikeCode(text) {
    var cleaned = text.toUpperCase().replace(/[\s-]/g, "");
    return cleaned.length === 26 && /^[A-Z2-7]+$/.test(cleaned) && /[2-7]/.test(cleaned);
  }
  searchInput.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    clearTimeout(searchTimer);
    if (looksLikeCode(searchInput.value)) {
      var code = searchInput.value.trim();
      clearSearch();
      scan({ code: code, method: "hid" });
      return;
    }
    runSearch();
  });

  // ---- camera ----
  var video = $("camera-video");
  var cameraButton = $("camera-toggle");
  var cameraMessage = $("camera-message");
  var stream = null;
  var decode = null;
  var decoding = false;
  var frameTimer = null;
  var lastCameraCode = "";
  var lastCameraAt = 0;
  var resumeOnShow = false;

  function setCameraMessage(text, isError) {
    cameraMessage.textContent = text || "";
    cameraMessage.classList.toggle("is-error", Boolean(isError));
  }

  function loadJsQR() {
    if (window.jsQR) return Promise.resolve();
    return new Promise(function (resolve, reject) {
      var el = document.createElement("script");
      el.src = scriptEl.getAttribute("data-jsqr-src");
      el.onload = function () { resolve(); };
      el.onerror = reject;
      document.head.appendChild(el);
    });
  }

  // The browser's own detector where it has one (Android Chrome, Safari); jsQR elsewhere.
  function pickDecoder() {
    var native = Promise.resolve(null);
    if ("BarcodeDetector" in window) {
      native = window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") === -1) return null;
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return function (source) {
          return detector.detect(source).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
        };
      }).catch(function () { return null; });
    }
    return native.then(function (fn) {
      if (fn) return fn;
      return loadJsQR().then(function () {
        var canvas = document.createElement("canvas");
        var ctx = canvas.getContext("2d", { willReadFrequently: true });
        return function (source) {
          var w = source.videoWidth;
          var h = source.videoHeight;
          if (!w || !h) return Promise.resolve(null);
          var scale = Math.min(1, DECODE_WIDTH / w);
          canvas.width = Math.round(w * scale);
          canvas.height = Math.round(h * scale);
          ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
          var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
          var found = window.jsQR(image.data, canvas.width, canvas.height, { inversionAttempts: "dontInvert" });
          return Promise.resolve(found && found.data ? found.data : null);
        };
      });
    });
  }

  function onDecoded(text) {
    if (!text) return;
    var now = Date.now();
    if (text === lastCameraCode && now - lastCameraAt < SAME_CODE_PAUSE_MS) {
      lastCameraAt = now; // still in front of the camera: keep ignoring it
      return;
    }
    lastCameraCode = text;
    lastCameraAt = now;
    scan({ code: text, method: "qr" });
  }

  function tick() {
    frameTimer = setTimeout(tick, FRAME_INTERVAL_MS);
    if (!stream || !decode || decoding || video.readyState < 2) return;
    decoding = true;
    decode(video).then(onDecoded, function () { /* a bad frame: try the next */ }).then(function () {
      decoding = false;
    });
  }

  function cameraError(err) {
    var name = err && err.name;
    if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") return S.camera_denied;
    if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") return S.camera_absent;
    if (name === "NotReadableError" || name === "TrackStartError") return S.camera_busy;
    return S.camera_failed;
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      setCameraMessage(window.isSecureContext === false ? S.camera_insecure : S.camera_absent, true);
      return Promise.resolve();
    }
    setCameraMessage(S.camera_starting);
    cameraButton.disabled = true;
    return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        $("camera-view").hidden = false;
        cameraButton.textContent = S.camera_stop;
        save("camera", "on");
        return video.play().catch(function () { /* autoplay muted: plays anyway */ });
      })
      .then(function () { return stream ? pickDecoder() : null; })
      .then(function (fn) {
        if (!stream) return;
        decode = fn;
        setCameraMessage(S.camera_hint);
        clearTimeout(frameTimer);
        tick();
      })
      .catch(function (err) {
        stopCamera(false);
        setCameraMessage(cameraError(err), true);
      })
      .then(function () { cameraButton.disabled = false; });
  }

  function stopCamera(remember) {
    clearTimeout(frameTimer);
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    decode = null;
    video.srcObject = null;
    $("camera-view").hidden = true;
    cameraButton.textContent = S.camera_start;
    setCameraMessage("");
    if (remember !== false) save("camera", "off");
  }

  cameraButton.addEventListener("click", function () {
    if (stream) stopCamera(); else startCamera();
  });

  // A phone in a pocket should not keep its camera running.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden && stream) {
      resumeOnShow = true;
      stopCamera(false);
    } else if (!document.hidden && resumeOnShow) {
      resumeOnShow = false;
      startCamera();
    }
  });

  // ---- start ----
  renderHistory();
  updateBanner();
  if (queue.length) scheduleFlush(0);
  if (load("camera", "off") === "on") startCamera();
  refocus();
}());
