// recd operator page, drawing: a line chart of one metric per group over time windows, and the
// interval bar of a lift with its confidence interval. Plain SVG built with the DOM; every
// label is set with textContent. admin.js uses window.recdChart.
(function () {
  "use strict";

  var NS = "http://www.w3.org/2000/svg";
  var COLORS = ["#0b57d0", "#b3261e", "#0b6b2b", "#7d5260", "#e37400", "#006a6a", "#5b3e96", "#6b6b6b"];

  function svg(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fmt(v) {
    if (!isFinite(v)) return "–";
    if (Number.isInteger(v)) return String(v);
    if (Math.abs(v) >= 1000) return Math.round(v).toString();
    if (Math.abs(v) >= 1) return v.toFixed(1);
    return v.toFixed(3);
  }

  // lines draws series = [{name, values: [number|null per window]}] over labels (one per
  // window) into the svg element (viewBox 720x240), with axes and a legend.
  function lines(el, labels, series) {
    el.replaceChildren();
    var W = 720, H = 240, L = 48, R = 140, T = 12, B = 28;
    var max = 0;
    series.forEach(function (s) { s.values.forEach(function (v) { if (v !== null && v > max) max = v; }); });
    if (max <= 0) max = 1;
    var n = Math.max(labels.length - 1, 1);
    var x = function (i) { return L + (W - L - R) * i / n; };
    var y = function (v) { return T + (H - T - B) * (1 - v / max); };
    el.appendChild(svg("line", { x1: L, y1: y(0), x2: W - R, y2: y(0), stroke: "#999" }));
    el.appendChild(svg("line", { x1: L, y1: T, x2: L, y2: y(0), stroke: "#999" }));
    [0, 0.5, 1].forEach(function (f) {
      el.appendChild(svg("text", { x: L - 6, y: y(max * f) + 4, "text-anchor": "end" }, fmt(max * f)));
    });
    var step = Math.max(1, Math.ceil(labels.length / 8));
    labels.forEach(function (lab, i) {
      if (i % step === 0 || i === labels.length - 1) {
        el.appendChild(svg("text", { x: x(i), y: H - 8, "text-anchor": "middle" }, lab));
      }
    });
    series.forEach(function (s, k) {
      var color = COLORS[k % COLORS.length], pts = [];
      s.values.forEach(function (v, i) {
        if (v === null) return;
        pts.push(x(i).toFixed(1) + "," + y(v).toFixed(1));
        el.appendChild(svg("circle", { cx: x(i), cy: y(v), r: 2.5, fill: color }));
      });
      if (pts.length > 1) el.appendChild(svg("polyline", { points: pts.join(" "), fill: "none", stroke: color, "stroke-width": 2 }));
      el.appendChild(svg("rect", { x: W - R + 10, y: T + 16 * k, width: 10, height: 10, fill: color }));
      el.appendChild(svg("text", { x: W - R + 26, y: T + 16 * k + 9 }, s.name));
    });
  }

  // interval returns a small SVG of an estimate and its interval on a symmetric axis around
  // zero (a relative lift): the bar spans [low, high], the dot is the estimate, the line is 0.
  function interval(value, low, high) {
    var W = 180, H = 18, M = 8;
    var e = svg("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, "class": "lift", role: "img" });
    var span = Math.max(Math.abs(low), Math.abs(high), Math.abs(value), 0.05);
    var x = function (v) { return M + (W - 2 * M) * (v + span) / (2 * span); };
    var sig = low > 0 || high < 0;
    var color = !sig ? "#6b6b6b" : (low > 0 ? "#0b6b2b" : "#b3261e");
    e.appendChild(svg("title", {}, "lift " + fmt(value) + " [" + fmt(low) + ", " + fmt(high) + "]"));
    e.appendChild(svg("line", { x1: x(0), y1: 1, x2: x(0), y2: H - 1, stroke: "#999" }));
    e.appendChild(svg("rect", { x: x(low), y: H / 2 - 3, width: Math.max(x(high) - x(low), 1), height: 6, fill: color, opacity: 0.5 }));
    e.appendChild(svg("circle", { cx: x(value), cy: H / 2, r: 4, fill: color }));
    return e;
  }

  window.recdChart = { lines: lines, interval: interval, fmt: fmt };
})();
