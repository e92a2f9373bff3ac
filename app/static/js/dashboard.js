// The live check-in dashboard: polls the dashboard JSON and redraws the page in place.
// Plain JS, no libraries. Texts come translated from the page (#dashboard-config); data is
// only ever written with textContent, never as HTML.
(function () {
  "use strict";

  var configElement = document.getElementById("dashboard-config");
  if (!configElement || !window.fetch) return;
  var config = JSON.parse(configElement.textContent);
  var text = config.text;
  var MAX_RETRY_MS = 30000;
  var REQUEST_TIMEOUT_MS = 10000;

  var timer = null;
  var inFlight = false;
  var failures = 0;
  var lastLabel = "";

  function $(name) {
    return document.querySelector('[data-dash="' + name + '"]');
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  function lookup(data, path) {
    return path.split(".").reduce(function (value, key) {
      return value === null || value === undefined ? undefined : value[key];
    }, data);
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined && content !== null) node.textContent = String(content);
    return node;
  }

  function row(cells, className) {
    var tr = el("tr", className);
    cells.forEach(function (cell) {
      tr.appendChild(el("td", cell.num ? "num" : "", cell.value));
    });
    return tr;
  }

  function replaceChildren(parent, children) {
    while (parent.firstChild) parent.removeChild(parent.firstChild);
    children.forEach(function (child) { parent.appendChild(child); });
  }

  // --- drawing ---------------------------------------------------------------------------

  function drawTexts(data) {
    document.querySelectorAll("[data-dash-text]").forEach(function (node) {
      var value = lookup(data, node.getAttribute("data-dash-text"));
      node.textContent = value === undefined || value === null ? "" : String(value);
    });
    var quorum = $("quorum");
    if (quorum && data.quorum) {
      quorum.classList.toggle("met", data.quorum.met);
      quorum.classList.toggle("unmet", !data.quorum.met);
    }
    var empty = data.totals.confirmed === 0;
    $("empty").hidden = !empty;
    $("body").hidden = empty;
  }

  function drawGroups(data) {
    replaceChildren($("by-cluster"), data.by_cluster.map(function (g) {
      return row([{ value: g.label }, { value: g.checked_in, num: true }, { value: g.confirmed, num: true },
                  { value: g.checked_out, num: true }]);
    }));
    replaceChildren($("by-company"), data.by_company.map(function (g) {
      return row([{ value: g.label }, { value: g.detail }, { value: g.checked_in, num: true },
                  { value: g.confirmed, num: true }, { value: g.checked_out, num: true }]);
    }));
  }

  function drawNotArrived(data) {
    var list = data.not_arrived;
    var items = list.people.map(function (p) {
      var li = el("li");
      li.appendChild(el("strong", "", p.name));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "dash-muted", p.company));
      if (p.role !== "attendee") {
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", "badge", p.role_label));
      }
      return li;
    });
    if (!items.length) items.push(el("li", "dash-muted", text.allArrived));
    if (list.truncated) {
      items.push(el("li", "dash-muted", format(text.moreNotArrived, { n: list.total - list.people.length })));
    }
    replaceChildren($("not-arrived"), items);
  }

  function drawScans(data) {
    var rows = data.latest_scans.map(function (s) {
      var result = s.result_label;
      if (s.conflict) result += " · " + format(text.conflictNote, { time: s.first_time_label, gate: s.first_gate });
      return row([{ value: s.time_label }, { value: s.gate }, { value: result }, { value: s.name }],
                 "tone-" + s.tone);
    });
    if (!rows.length) {
      var tr = el("tr");
      var td = el("td", "dash-muted", text.noScans);
      td.colSpan = 4;
      tr.appendChild(td);
      rows.push(tr);
    }
    replaceChildren($("scans"), rows);
  }

  // Second admissions found when gates upload their offline scans: both gates and times.
  function drawConflicts(data) {
    var section = $("conflicts-section");
    if (!section || !data.conflicts) return;
    section.hidden = !data.conflicts.total;
    replaceChildren($("conflicts"), data.conflicts.items.map(function (c) {
      return row([{ value: c.name }, { value: c.first_time_label + " · " + c.first_gate },
                  { value: c.time_label + " · " + c.gate }], "tone-warn");
    }));
  }

  var SVG = "http://www.w3.org/2000/svg";

  function svg(tag, attrs, content) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (content !== undefined) node.textContent = String(content);
    return node;
  }

  // Same geometry as the server-drawn chart in templates/checkin/dashboard.html.
  function drawChart(data) {
    var buckets = data.arrivals.buckets;
    var container = $("chart");
    if (!buckets.length) {
      replaceChildren(container, [el("p", "empty-state", text.noArrivals)]);
      return;
    }
    var slot = 28, bar = 20, top = 16, plot = 140;
    var width = buckets.length * slot, height = top + plot + 20;
    var peak = Math.max(data.arrivals.max, 1);
    var chart = svg("svg", { role: "img", "aria-label": text.chartLabel, width: width, height: height,
                             viewBox: "0 0 " + width + " " + height });
    buckets.forEach(function (b, i) {
      var h = Math.round(b.count / peak * plot);
      var x = i * slot;
      var group = svg("g", {});
      group.appendChild(svg("title", {}, format(text.chartBar, { time: b.label, n: b.count })));
      group.appendChild(svg("rect", { "class": "dash-bar", x: x + (slot - bar) / 2, y: top + plot - h,
                                      width: bar, height: h }));
      if (b.count) {
        group.appendChild(svg("text", { "class": "dash-count", x: x + slot / 2, y: top + plot - h - 3 }, b.count));
      }
      var minute = b.label.slice(3);
      if (minute === "00" || minute === "30") {
        group.appendChild(svg("text", { "class": "dash-tick", x: x + slot / 2, y: top + plot + 14 }, b.label));
      }
      chart.appendChild(group);
    });
    chart.appendChild(svg("line", { "class": "dash-axis", x1: 0, x2: width, y1: top + plot, y2: top + plot }));
    replaceChildren(container, [chart]);
  }

  function draw(data) {
    drawTexts(data);
    drawGroups(data);
    drawNotArrived(data);
    drawScans(data);
    drawConflicts(data);
    drawChart(data);
  }

  // --- polling -----------------------------------------------------------------------------

  function showStatus(data) {
    lastLabel = data.generated_at_label;
    $("last-updated").textContent = format(text.lastUpdated, { time: lastLabel });
    $("offline").hidden = true;
  }

  function showFailure(status) {
    var notice = $("offline");
    notice.textContent = status === 401 ? text.sessionEnded : format(text.offline, { time: lastLabel || "-" });
    notice.hidden = false;
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = null;
    if (document.hidden) return; // resumes on visibilitychange
    timer = setTimeout(poll, delay);
  }

  function poll() {
    if (inFlight || document.hidden) return;
    inFlight = true;
    var controller = window.AbortController ? new AbortController() : null;
    var abortTimer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
    fetch(config.url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) {
        var error = new Error("HTTP " + response.status);
        error.status = response.status;
        throw error;
      }
      return response.json();
    }).then(function (data) {
      failures = 0;
      draw(data);
      showStatus(data);
    }).catch(function (error) {
      failures += 1;
      showFailure(error && error.status);
    }).then(function () {
      clearTimeout(abortTimer);
      inFlight = false;
      // Back off while failing (3 s, 6 s, 12 s, ... up to 30 s), then back to every 3 s.
      var delay = failures ? Math.min(config.intervalMs * Math.pow(2, failures - 1), MAX_RETRY_MS) : config.intervalMs;
      schedule(delay);
    });
  }

  document.addEventListener("visibilitychange", function () {
    $("paused").hidden = !document.hidden;
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else {
      poll();
    }
  });
  window.addEventListener("online", function () { failures = 0; poll(); });
  window.addEventListener("offline", function () { showFailure(0); });

  lastLabel = config.generatedAtLabel || "";
  $("paused").hidden = !document.hidden;
  schedule(config.intervalMs);
})();
