// Ringmaster run page: turns the build matrix's cells as the run's facts
// arrive over Server-Sent Events (GET /runs/{id}/events), moves its stages
// as the run's record changes, and shows the build log lines live. The
// page reads without it.
(function () {
  "use strict";
  var cellLog = document.getElementById("cell-log");
  if (cellLog && window.EventSource) return followCell(cellLog);
  var table = document.getElementById("matrix");
  if (!table || table.dataset.done === "true" || !window.EventSource) return;
  var run = table.dataset.run;
  var log = document.getElementById("log");
  var logStarted = false;

  function column(distro) {
    var head = table.tHead.rows[0];
    for (var i = 1; i < head.cells.length; i++) {
      if (head.cells[i].textContent === distro) return i;
    }
    var th = document.createElement("th");
    th.scope = "col";
    th.textContent = distro;
    head.appendChild(th);
    var rows = table.tBodies[0].rows;
    for (var r = 0; r < rows.length; r++) rows[r].appendChild(emptyCell(rows[r].cells[0].textContent, distro));
    return head.cells.length - 1;
  }

  function emptyCell(component, distro) {
    var td = document.createElement("td");
    td.id = "cell-" + component + "_" + distro;
    var s = document.createElement("span");
    s.className = "state";
    s.textContent = "– not built";
    td.appendChild(s);
    return td;
  }

  function cell(component, distro) {
    var td = document.getElementById("cell-" + component + "_" + distro);
    if (td) return td;
    column(distro);
    td = document.getElementById("cell-" + component + "_" + distro);
    if (td) return td;
    var empty = document.getElementById("matrix-empty");
    if (empty) empty.remove();
    var head = table.tHead.rows[0];
    var tr = document.createElement("tr");
    var th = document.createElement("th");
    th.scope = "row";
    th.textContent = component;
    tr.appendChild(th);
    for (var i = 1; i < head.cells.length; i++) tr.appendChild(emptyCell(component, head.cells[i].textContent));
    table.tBodies[0].appendChild(tr);
    return document.getElementById("cell-" + component + "_" + distro);
  }

  function set(c) {
    var td = cell(c.component, c.distro);
    var sign = { ok: "✓", failed: "✗", skipped: "–", running: "…" }[c.state] || "…";
    td.className = c.state;
    td.textContent = "";
    var s = document.createElement("span");
    s.className = "state";
    s.textContent = sign + " " + c.state + (c.cached ? " (cached)" : "");
    td.appendChild(s);
    if (c.reason) {
      td.appendChild(document.createElement("br"));
      var small = document.createElement("small");
      small.textContent = c.reason;
      td.appendChild(small);
    }
    if (c.log_key) {
      td.appendChild(document.createTextNode(" · "));
      var a = document.createElement("a");
      a.href = "/runs/" + run + "/logs/" + c.component + "_" + c.distro;
      a.textContent = "log";
      td.appendChild(a);
    }
    if (c.packages && c.packages.length) {
      td.appendChild(document.createTextNode(" · packages: " + c.packages.length));
    }
  }

  var es = new EventSource("/runs/" + encodeURIComponent(run) + "/events");
  function on(name, f) {
    es.addEventListener(name, function (e) {
      var env = JSON.parse(e.data);
      f(env.data || {}, env);
    });
  }
  on("build.succeeded", function (d) {
    set({ component: d.component, distro: d.distro, state: "ok", cached: d.cached, log_key: d.log_key, packages: d.packages });
  });
  on("build.failed", function (d) {
    set({ component: d.component, distro: d.distro, state: d.skipped ? "skipped" : "failed", reason: d.reason, log_key: d.log_key });
  });
  on("build.log", function (d) {
    var td = cell(d.component, d.distro);
    if (!td.className) {
      td.className = "running";
      td.querySelector(".state").textContent = "… building";
      td.appendChild(document.createTextNode(" · "));
      var a = document.createElement("a");
      a.href = "/runs/" + run + "/logs/" + d.component + "_" + d.distro;
      a.textContent = "log (live)";
      td.appendChild(a);
    }
    if (!log) return;
    if (!logStarted) { log.textContent = ""; logStarted = true; }
    (d.lines || []).forEach(function (l) { log.textContent += d.component + "/" + d.distro + " | " + l + "\n"; });
    log.scrollTop = log.scrollHeight;
  });
  on("build.finished", function (d) {
    (d.cells || []).forEach(set);
  });

  // The run's record, when the stream starts and each time it changes:
  // the stages table is drawn again from it (as the page draws it).
  var stages = document.getElementById("stages");
  function mark(state) {
    return { success: "✓", ok: "✓", passed: "✓", failure: "✗", failed: "✗", skipped: "–" }[state] || "…";
  }
  es.addEventListener("run", function (e) {
    var rec = JSON.parse(e.data);
    if (!stages || !rec.stages) return;
    var body = stages.tBodies[0];
    body.textContent = "";
    rec.stages.forEach(function (st) {
      var tr = document.createElement("tr");
      tr.className = st.state;
      [st.name, mark(st.state) + " " + st.state, st.detail || ""].forEach(function (text) {
        var td = document.createElement("td");
        td.textContent = text;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  });
  es.addEventListener("end", function (e) {
    es.close();
    var st = document.getElementById("run-state");
    var d = JSON.parse(e.data);
    if (st) {
      st.className = d.ok ? "success" : "failure";
      st.textContent = (d.ok ? "✓ success" : "✗ failure") + (d.result ? ": " + d.result : "");
    }
    table.dataset.done = "true";
  });

  // followCell streams one cell's log lines on its log page, until the
  // cell is done (then its whole log is at the same address).
  function followCell(pre) {
    var run = pre.dataset.run, cell = pre.dataset.cell;
    var state = document.getElementById("log-state");
    var es = new EventSource("/runs/" + encodeURIComponent(run) + "/events");
    function mine(d) { return d.component + "_" + d.distro === cell; }
    function done(text) {
      es.close();
      state.textContent = text;
      var a = document.createElement("a");
      a.href = location.pathname;
      a.textContent = " The whole log.";
      state.appendChild(a);
    }
    es.addEventListener("build.log", function (e) {
      var d = JSON.parse(e.data).data || {};
      if (!mine(d)) return;
      (d.lines || []).forEach(function (l) { pre.textContent += l + "\n"; });
    });
    es.addEventListener("build.succeeded", function (e) {
      if (mine(JSON.parse(e.data).data || {})) done("✓ built.");
    });
    es.addEventListener("build.failed", function (e) {
      var d = JSON.parse(e.data).data || {};
      if (mine(d)) done("✗ " + (d.skipped ? "skipped" : "failed") + ": " + d.reason + ".");
    });
    es.addEventListener("end", function () { if (es.readyState !== 2) done("The run has ended."); });
  }
})();
