/* The door scanner's camera: QR codes read by the browser's BarcodeDetector, or by the vendored jsQR
   where there is none (loaded only then, so a phone with a detector never downloads it). */

const SAME_CODE_PAUSE_MS = 3000; // one badge held in front of the camera is one scan
const FRAME_INTERVAL_MS = 110; // about 9 decodes a second: enough, and spares a phone's battery
const DECODE_WIDTH = 640;

let jsqrLoading = null;

function loadJsQR(src) {
  if (window.jsQR) return Promise.resolve();
  if (!jsqrLoading) {
    jsqrLoading = new Promise((resolve, reject) => {
      const el = document.createElement("script");
      el.src = src;
      el.onload = () => resolve();
      el.onerror = (err) => {
        jsqrLoading = null; // a later start may try again
        reject(err);
      };
      document.head.appendChild(el);
    });
  }
  return jsqrLoading;
}

// The browser's own detector where it has one (Android Chrome, Safari); jsQR elsewhere.
function pickDecoder(jsqrSrc) {
  let native = Promise.resolve(null);
  if ("BarcodeDetector" in window) {
    native = window.BarcodeDetector.getSupportedFormats().then((formats) => {
      if (formats.indexOf("qr_code") === -1) return null;
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return (source) => detector.detect(source).then((codes) => (codes.length ? codes[0].rawValue : null));
    }).catch(() => null);
  }
  return native.then((fn) => {
    if (fn) return fn;
    return loadJsQR(jsqrSrc).then(() => {
      const canvas = document.createElement("canvas");
      const ctx = canvas.getContext("2d", { willReadFrequently: true });
      return (source) => {
        const w = source.videoWidth;
        const h = source.videoHeight;
        if (!w || !h) return Promise.resolve(null);
        const scale = Math.min(1, DECODE_WIDTH / w);
        canvas.width = Math.round(w * scale);
        canvas.height = Math.round(h * scale);
        ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
        const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
        const found = window.jsQR(image.data, canvas.width, canvas.height, { inversionAttempts: "dontInvert" });
        return Promise.resolve(found && found.data ? found.data : null);
      };
    });
  });
}

function cameraError(err, S) {
  const name = err && err.name;
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") return S.camera_denied;
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") return S.camera_absent;
  if (name === "NotReadableError" || name === "TrackStartError") return S.camera_busy;
  return S.camera_failed;
}

// `onCode(text)` gets each new code; `onPreference("on"|"off")` hears when the person turned the
// camera on or off, so the page can start it again next time.
export function createCamera({ video, view, button, message, strings: S, jsqrSrc, onCode, onPreference }) {
  let stream = null;
  let decode = null;
  let decoding = false;
  let frameTimer = null;
  let lastCode = "";
  let lastCodeAt = 0;
  let resumeOnShow = false;

  function setMessage(text, isError) {
    message.textContent = text || "";
    message.classList.toggle("is-error", Boolean(isError));
  }

  function onDecoded(text) {
    if (!text) return;
    const now = Date.now();
    if (text === lastCode && now - lastCodeAt < SAME_CODE_PAUSE_MS) {
      lastCodeAt = now; // still in front of the camera: keep ignoring it
      return;
    }
    lastCode = text;
    lastCodeAt = now;
    onCode(text);
  }

  function tick() {
    frameTimer = setTimeout(tick, FRAME_INTERVAL_MS);
    if (!stream || !decode || decoding || video.readyState < 2) return;
    decoding = true;
    decode(video).then(onDecoded, () => { /* a bad frame: try the next */ }).then(() => {
      decoding = false;
    });
  }

  function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      setMessage(window.isSecureContext === false ? S.camera_insecure : S.camera_absent, true);
      return Promise.resolve();
    }
    setMessage(S.camera_starting);
    button.disabled = true;
    return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then((media) => {
        stream = media;
        video.srcObject = media;
        view.hidden = false;
        button.textContent = S.camera_stop;
        onPreference("on");
        return video.play().catch(() => { /* autoplay muted: plays anyway */ });
      })
      .then(() => (stream ? pickDecoder(jsqrSrc) : null))
      .then((fn) => {
        if (!stream) return;
        decode = fn;
        setMessage(S.camera_hint);
        clearTimeout(frameTimer);
        tick();
      })
      .catch((err) => {
        stop(false);
        setMessage(cameraError(err, S), true);
      })
      .then(() => { button.disabled = false; });
  }

  // `remember` false: stopped by the page (hidden, or failed), not by the person.
  function stop(remember) {
    clearTimeout(frameTimer);
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
    decode = null;
    video.srcObject = null;
    view.hidden = true;
    button.textContent = S.camera_start;
    setMessage("");
    if (remember !== false) onPreference("off");
  }

  button.addEventListener("click", () => {
    if (stream) stop(); else start();
  });

  // A phone in a pocket should not keep its camera running.
  document.addEventListener("visibilitychange", () => {
    if (document.hidden && stream) {
      resumeOnShow = true;
      stop(false);
    } else if (!document.hidden && resumeOnShow) {
      resumeOnShow = false;
      start();
    }
  });

  return { start, stop };
}
