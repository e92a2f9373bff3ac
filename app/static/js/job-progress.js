// A job's page (templates/jobs/job.html): polls the job's status URL and moves the progress bar
// (rendered pages / total), then shows the download, or the Korean error. The page is complete
// without this script; it only saves reloading.
(function () {
  var root = document.getElementById("job");
  if (!root) return;
  var bar = document.getElementById("job-bar");
  var label = document.getElementById("job-label");
  var error = document.getElementById("job-error");
  var download = document.getElementById("job-download");
  var link = document.getElementById("job-download-link");
  var url = root.getAttribute("data-status-url");
  var finished = { done: true, failed: true, expired: true };
  var delay = 1000;

  function show(status) {
    root.setAttribute("data-status", status.status);
    if (status.percent === null || status.percent === undefined) {
      bar.removeAttribute("value"); // an indeterminate bar: the number of pages is not known yet
    } else {
      bar.value = status.percent;
    }
    label.textContent = status.label;
    if (status.error) {
      error.textContent = status.error;
      error.hidden = false;
    }
    if (status.download_url) {
      link.href = status.download_url;
      download.hidden = false;
    } else {
      download.hidden = true;
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (status) {
        show(status);
        delay = 1000;
        if (!finished[status.status]) setTimeout(poll, delay);
      })
      .catch(function () {
        // Network trouble: try again, less often.
        delay = Math.min(delay * 2, 15000);
        setTimeout(poll, delay);
      });
  }

  if (!finished[root.getAttribute("data-status")]) setTimeout(poll, 500);
})();
