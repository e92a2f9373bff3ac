// A visible "만드는 중" state while a PDF (badges, certificates, reports) is being made.
// Large documents take seconds; without this the page looks frozen after the click.
const banner = document.getElementById("pdf-progress");

function isPdf(url) {
  try {
    return new URL(url, location.href).pathname.endsWith(".pdf");
  } catch (e) {
    return false;
  }
}

let hideTimer = null;

function show() {
  if (!banner) return;
  banner.hidden = false;
  clearTimeout(hideTimer);
  // A PDF opened in another tab never replaces this page: stop saying "making" after a while.
  hideTimer = setTimeout(hide, 60000);
}

function hide() {
  if (banner) banner.hidden = true;
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href]");
  if (!link || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || link.hasAttribute("download")) return;
  if (isPdf(link.href)) show();
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  const action = (event.submitter && event.submitter.getAttribute("formaction")) || form.action;
  if (!event.defaultPrevented && isPdf(action) && !(event.submitter && event.submitter.value === "count")) show();
});

// Back to this page (bfcache), or back from the tab that showed the PDF.
window.addEventListener("pageshow", hide);
window.addEventListener("focus", () => {
  if (banner && !banner.hidden) hideTimer = setTimeout(hide, 1500);
});
