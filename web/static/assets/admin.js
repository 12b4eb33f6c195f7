// recd operator page: experiments and their reports, online metrics over time, model versions
// and a user's list under each variant side by side. Plain DOM, no framework; all data is
// written with textContent. API calls and the key go through window.recdAPI (api.js), the
// drawing through window.recdChart (chart.js).
(function () {
  "use strict";

  var api = window.recdAPI, chart = window.recdChart;
  var $ = function (id) { return document.getElementById(id); };
  var fmt = chart.fmt;
  var experiments = [];

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function row(cells) {
    var tr = el("tr");
    cells.forEach(function (c) {
      var td = el("td");
      if (c instanceof Node) td.appendChild(c); else if (typeof c === "number") { td.textContent = fmt(c); td.className = "num"; } else td.textContent = c === undefined ? "" : c;
      tr.appendChild(td);
    });
    return tr;
  }
  function setStatus(text, isError) { $("status").textContent = text; $("status").className = isError ? "error" : ""; }
  function failed(err) {
    var why = api.explain(err, "admin");
    setStatus(why.text, true);
    $("key-section").classList.toggle("attention", !!why.needKey);
    if (why.needKey) $("key").focus();
    throw err;
  }
  function utc(t) { return t ? new Date(t).toISOString().slice(0, 16).replace("T", " ") + " UTC" : "open"; }
  function pct(v) { return isFinite(v) ? (100 * v).toFixed(2) + "%" : "–"; }
  function ci(m) { return m ? pct(m.value) + " [" + pct(m.low) + ", " + pct(m.high) + "]" : "–"; }

  // Experiments.
  function loadExperiments() {
    return api.call("v1/experiments").then(function (data) {
      experiments = (data && data.experiments) || [];
      var body = $("exp-table").tBodies[0];
      body.replaceChildren();
      $("exp-empty").hidden = experiments.length > 0;
      var sel = $("preview-exp");
      sel.replaceChildren();
      experiments.forEach(function (x) {
        var btn = el("button", "Report", "secondary");
        btn.type = "button";
        btn.addEventListener("click", function () { showReport(x.id).catch(function () {}); });
        var variants = (x.variants || []).map(function (v) { return v.name + " (" + v.weight + ")"; }).join(", ");
        var when = utc(x.start) + " → " + utc(x.end);
        body.appendChild(row([x.id, x.design || "ab", x.unit || "user", variants, when, x.status || "", btn]));
        var o = el("option", x.id + " (" + (x.status || "") + ")");
        o.value = x.id;
        sel.appendChild(o);
      });
    });
  }

  function showReport(id) {
    return api.call("v1/experiments/" + encodeURIComponent(id) + "/report").then(function (r) {
      $("report").hidden = false;
      $("report-heading").textContent = "Report: " + id;
      var summary = "Primary metric: " + (r.primary_metric || "per-user CTR") + ". ";
      summary += r.conclusive ? "The sample is large enough to conclude." : "Not conclusive yet" + (r.reason ? ": " + r.reason : ".");
      $("report-summary").textContent = summary;
      var srm = r.srm || {};
      var s = $("report-srm");
      s.textContent = srm.ok === false ? "Sample-ratio mismatch: assignment counts do not match the weights (χ² = " +
        fmt(srm.chi_square) + ", p = " + fmt(srm.p_value) + "); the traffic split is broken, do not trust the lift." :
        "Sample-ratio check passed (χ² = " + fmt(srm.chi_square) + ", p = " + fmt(srm.p_value) + ").";
      s.className = srm.ok === false ? "flag" : "ok";
      var body = $("report-table").tBodies[0];
      body.replaceChildren();
      (r.variants || []).forEach(function (v, i) {
        var lift = "control";
        if (i > 0 && v.lift) {
          lift = el("span");
          lift.appendChild(chart.interval(v.lift.value, v.lift.low, v.lift.high));
          lift.appendChild(el("span", " " + pct(v.lift.value) + " [" + pct(v.lift.low) + ", " + pct(v.lift.high) + "]"));
        }
        body.appendChild(row([v.name, v.users, v.impressions, v.clicks, ci(v.ctr), lift, i > 0 ? fmt(v.p_value) : ""]));
      });
      var il = r.interleaving, p = $("report-interleaving");
      p.hidden = !il;
      if (il) {
        p.textContent = "Interleaving: the first variant won " + il.wins + " lists, lost " + il.losses + ", tied " +
          il.ties + "; preference share " + pct(il.preference_share) + ". Of " + il.users + " users, " + il.user_wins +
          " clicked more of its items, " + il.user_losses + " fewer; mean difference " + fmt(il.difference.value) +
          " [" + fmt(il.difference.low) + ", " + fmt(il.difference.high) + "] (p = " + fmt(il.p_value) + ").";
      }
      setStatus("Report of " + id + " loaded.");
    }, failed);
  }

  // Online metrics: one call per window, charted per group.
  function loadMetrics() {
    var group = $("metrics-group").value, metric = $("metrics-metric").value;
    var day = $("metrics-range").value === "7d";
    var n = day ? 7 : 24, width = (day ? 24 : 1) * 3600 * 1000;
    var end = Math.ceil(Date.now() / width) * width;
    var windows = [];
    for (var i = n; i > 0; i--) windows.push([end - i * width, end - (i - 1) * width]);
    var url = function (w) {
      return "v1/metrics/online?group_by=" + encodeURIComponent(group) + "&from=" + new Date(w[0]).toISOString() +
        "&to=" + new Date(w[1]).toISOString();
    };
    // One window at a time: the server folds one window at a time anyway.
    var answers = [];
    var chain = windows.reduce(function (p, w) {
      return p.then(function () { return api.call(url(w)); }).then(function (a) { answers.push(a); });
    }, Promise.resolve());
    return chain.then(function () {
      var names = [], values = {};
      answers.forEach(function (a, k) {
        ((a && a.groups) || []).forEach(function (g) {
          var name = g.group === "" || g.group === undefined ? "(none)" : String(g.group);
          if (!values[name]) { values[name] = windows.map(function () { return null; }); names.push(name); }
          values[name][k] = Number(g[metric]);
        });
      });
      var labels = windows.map(function (w) {
        var d = new Date(w[0]);
        return day ? (d.getMonth() + 1) + "/" + d.getDate() : d.getHours() + ":00";
      });
      chart.lines($("metrics-chart"), labels, names.map(function (nm) { return { name: nm, values: values[nm] }; }));
      $("metrics-caption").textContent = $("metrics-metric").selectedOptions[0].textContent + " per " + group + ", " +
        $("metrics-range").selectedOptions[0].textContent + (names.length ? "." : ": nothing was served in this range.");
      return api.call("v1/metrics/online?group_by=" + encodeURIComponent(group) + "&from=" +
        new Date(end - n * width).toISOString() + "&to=" + new Date(end).toISOString());
    }).then(function (total) {
      var body = $("metrics-table").tBodies[0];
      body.replaceChildren();
      ((total && total.groups) || []).forEach(function (g) {
        body.appendChild(row([g.group === "" ? "(none)" : g.group, g.impressions, g.users, g.clicks, pct(g.ctr), g.conversions]));
      });
    });
  }

  function loadModels() {
    return api.call("v1/admin/models").then(function (data) {
      var body = $("models-table").tBodies[0];
      body.replaceChildren();
      ((data && data.models) || []).forEach(function (m) {
        var notes = m.reason || (m.metrics ? Object.keys(m.metrics).slice(0, 4).map(function (k) { return k + " " + fmt(m.metrics[k]); }).join(", ") : "");
        body.appendChild(row([m.version, m.created ? new Date(m.created).toLocaleString() : "", m.serving ? "serving" : "", notes]));
      });
    });
  }

  // Preview: the user's list under each variant of the chosen experiment, side by side.
  function preview(ev) {
    ev.preventDefault();
    var id = $("preview-exp").value, user = $("preview-user").value.trim();
    if (!id || !user) { setStatus("Pick an experiment and enter a user id to preview.", true); return; }
    api.call("v1/experiments/" + encodeURIComponent(id) + "/preview?user_id=" + encodeURIComponent(user) + "&n=10").then(function (r) {
      var cols = $("preview-columns");
      cols.replaceChildren();
      ((r && r.variants) || []).forEach(function (v) {
        var sec = el("section");
        sec.appendChild(el("h3", v.name));
        // Which model version and scorer ranked the list (a variant may pin a version or
        // turn the ranker off), and why a pinned version did not, when it did not.
        var meta = [v.model_version ? "model " + v.model_version : "", v.scorer || ""].filter(Boolean).join(" · ");
        if (meta) sec.appendChild(el("p", meta, "reasons"));
        if (v.model_fallback) sec.appendChild(el("p", v.model_fallback, "reasons"));
        var ol = el("ol");
        (v.items || []).forEach(function (it) {
          var li = el("li", it.title || it.id);
          var why = (it.reasons || []).map(function (x) { return x.text || x.type; }).join("; ");
          if (why) { li.appendChild(el("br")); li.appendChild(el("span", why, "reasons")); }
          ol.appendChild(li);
        });
        sec.appendChild(ol);
        cols.appendChild(sec);
      });
      setStatus("Preview of user " + user + " under " + id + ".");
    }).catch(function (err) {
      if (err instanceof api.APIError && err.status === 404) { setStatus(err.message, true); return; }
      failed(err);
    }).catch(function () {});
  }

  function loadAll() {
    setStatus("Loading…");
    return Promise.all([loadExperiments(), loadModels(), loadMetrics()]).then(function () {
      setStatus("Loaded " + experiments.length + " experiment" + (experiments.length === 1 ? "" : "s") + ".");
      $("key-section").classList.remove("attention");
    }, failed).catch(function () {});
  }

  function keyState() {
    var has = !!api.key.get();
    $("key-state").textContent = has ? "A key is set for this tab." : "No key set.";
    $("key-forget").hidden = !has;
  }
  $("key-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    api.key.set($("key").value);
    $("key").value = "";
    keyState();
    loadAll();
  });
  $("key-forget").addEventListener("click", function () { api.key.clear(); keyState(); });
  $("metrics-form").addEventListener("submit", function (ev) { ev.preventDefault(); loadMetrics().catch(failed).catch(function () {}); });
  $("preview-form").addEventListener("submit", preview);
  keyState();
  loadAll();
})();
