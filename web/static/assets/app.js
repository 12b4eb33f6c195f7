// recd search page: plain DOM, no framework, no build step. All data is written with
// textContent, never parsed as HTML, so titles and reasons cannot inject markup.
(function () {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  var els = {
    searchForm: $("search-form"), q: $("q"),
    userForm: $("user-form"), user: $("user"),
    diversity: $("diversity"), diversityValue: $("diversity-value"),
    results: $("results"), status: $("status"), meta: $("meta"),
    understood: $("understood"), explanation: $("explanation"), items: $("items")
  };
  var N = 10;
  var last = null;          // "search" or "user": what the slider re-runs
  var inflight = null;      // AbortController of the running request
  var itemCache = new Map(); // id -> Promise of the item (for lazy categories)
  var titles = new Map();    // id -> title, for reasons that name items

  function diversity() { return Number(els.diversity.value); }

  function setStatus(text, isError) {
    els.status.textContent = text;
    els.status.className = isError ? "error" : "";
  }

  function show(el, text) {
    el.textContent = text || "";
    el.hidden = !text;
  }

  function clearResults() {
    show(els.meta, ""); show(els.understood, ""); show(els.explanation, "");
    els.items.replaceChildren();
  }

  function request(url, opts) {
    if (inflight) inflight.abort();
    inflight = new AbortController();
    opts = opts || {};
    opts.signal = inflight.signal;
    opts.headers = Object.assign({ "Accept": "application/json" }, opts.headers || {});
    els.results.setAttribute("aria-busy", "true");
    return fetch(url, opts).then(function (res) {
      return res.text().then(function (body) {
        var data = null;
        try { data = body ? JSON.parse(body) : null; } catch (e) { data = null; }
        if (!res.ok) {
          var msg = data && data.error ? (data.error.message || data.error) : res.statusText;
          throw new Error("HTTP " + res.status + ": " + String(msg));
        }
        return data || {};
      });
    }).finally(function () { els.results.setAttribute("aria-busy", "false"); });
  }

  function failed(err) {
    if (err && err.name === "AbortError") return;
    clearResults();
    setStatus("Request failed: " + (err && err.message ? err.message : String(err)), true);
  }

  function search() {
    var text = els.q.value.trim();
    if (!text) { setStatus("Type what you are looking for first.", true); els.q.focus(); return; }
    last = "search";
    remember({ q: text, user: els.user.value.trim() });
    var body = { text: text, n: N, explain: true, diversity: diversity() };
    var uid = els.user.value.trim();
    if (uid) body.user_id = uid;
    setStatus("Searching…");
    request("v1/query", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (data) {
      render(data.items || []);
      var parser = data.parser === "llm" ? "the language model" : "the built-in parser";
      show(els.meta, "Understood by " + parser + ".");
      show(els.understood, describeQuery(data.query || {}));
      show(els.explanation, data.explanation || "");
    }).catch(failed);
  }

  function userRecs() {
    var uid = els.user.value.trim();
    if (!uid) { setStatus("Enter a user id first.", true); els.user.focus(); return; }
    last = "user";
    remember({ user: uid });
    setStatus("Loading recommendations for user " + uid + "…");
    var url = "v1/users/" + encodeURIComponent(uid) + "/recommendations?n=" + N +
      "&diversity=" + encodeURIComponent(String(diversity()));
    request(url).then(function (data) {
      render(data.items || []);
      var parts = [];
      if (data.strategy) parts.push("strategy " + data.strategy);
      if (data.model_version) parts.push("model " + data.model_version);
      show(els.meta, "Recommendations for user " + uid + (parts.length ? " (" + parts.join(", ") + ")" : "") + ".");
    }).catch(failed);
  }

  function remember(params) {
    var u = new URL(window.location.href);
    u.search = "";
    Object.keys(params).forEach(function (k) { if (params[k]) u.searchParams.set(k, params[k]); });
    u.searchParams.set("diversity", String(diversity()));
    try { history.replaceState(null, "", u.toString()); } catch (e) { /* file: or sandboxed */ }
  }

  function describeQuery(q) {
    var parts = [];
    if (q.liked && q.liked.length) parts.push("like " + q.liked.map(function (l) { return l.title || l.id; }).join(", "));
    if (q.categories && q.categories.length) parts.push("categories " + q.categories.join(", "));
    if (q.year_min || q.year_max) {
      parts.push("years " + (q.year_min || "…") + "–" + (q.year_max || "…"));
    }
    var ex = [].concat(q.exclude_categories || [], q.exclude_tags || []);
    if (ex.length) parts.push("without " + ex.join(", "));
    if (q.keywords && q.keywords.length) parts.push("keywords " + q.keywords.join(", "));
    else if (q.free_text) parts.push("text \"" + q.free_text + "\"");
    return parts.length ? "Looking for: " + parts.join("; ") + "." : "";
  }

  function reasonText(r) {
    var names = (r.items || []).slice(0, 3).map(function (id) { return titles.get(id) || id; }).join(", ");
    switch (r.type) {
      case "similar_to": return names ? "Similar to " + names : (r.text || "Similar to items you liked");
      case "popular": return r.text || "Popular overall";
      case "popular_in": return "Popular in " + (r.category || "its category");
      case "trending": return r.text || "Trending now";
      case "matches_profile": return r.text || "Matches your taste profile";
      case "collaborative": return r.text || "Liked by people with similar taste";
      case "session": return r.text || "Close to what you just looked at";
      case "long_tail": return r.text || "A less-known pick";
      case "query": return r.text ? "Matches “" + r.text + "”" : "Matches your request";
    }
    return r.text || r.type || "";
  }

  function fetchItem(id) {
    if (!itemCache.has(id)) {
      itemCache.set(id, fetch("v1/items/" + encodeURIComponent(id), { headers: { "Accept": "application/json" } })
        .then(function (res) { return res.ok ? res.json() : null; })
        .catch(function () { return null; }));
    }
    return itemCache.get(id);
  }

  function setCategories(el, cats) {
    if (cats && cats.length) { el.textContent = cats.join(" · "); el.hidden = false; }
    else { el.hidden = true; }
  }

  function render(items) {
    clearResults();
    items.forEach(function (it) { if (it.title) titles.set(it.id, it.title); });
    if (!items.length) { setStatus("No results."); return; }
    setStatus(items.length + (items.length === 1 ? " result." : " results."));
    var frag = document.createDocumentFragment();
    items.forEach(function (it) {
      var li = document.createElement("li");
      li.className = "item";
      li.dataset.id = String(it.id);
      var h = document.createElement("h3");
      h.textContent = it.title || String(it.id);
      li.appendChild(h);
      var cats = document.createElement("p");
      cats.className = "categories";
      li.appendChild(cats);
      if (Array.isArray(it.categories)) {
        setCategories(cats, it.categories);
      } else {
        cats.hidden = true;
        fetchItem(String(it.id)).then(function (full) { setCategories(cats, full && full.categories); });
      }
      if (typeof it.score === "number") {
        var s = document.createElement("p");
        s.className = "score";
        s.textContent = "score " + it.score.toFixed(3);
        li.appendChild(s);
      }
      var reasons = (it.reasons || []).map(reasonText).filter(Boolean);
      if (reasons.length) {
        var ul = document.createElement("ul");
        ul.className = "reasons";
        ul.setAttribute("aria-label", "Why this is recommended");
        reasons.forEach(function (t) {
          var r = document.createElement("li");
          r.textContent = t;
          ul.appendChild(r);
        });
        li.appendChild(ul);
      }
      frag.appendChild(li);
    });
    els.items.appendChild(frag);
  }

  var rerunTimer = null;
  function onDiversity() {
    els.diversityValue.textContent = diversity().toFixed(1);
    clearTimeout(rerunTimer);
    rerunTimer = setTimeout(function () {
      if (last === "search") search();
      else if (last === "user") userRecs();
    }, 250);
  }

  els.searchForm.addEventListener("submit", function (e) { e.preventDefault(); search(); });
  els.userForm.addEventListener("submit", function (e) { e.preventDefault(); userRecs(); });
  els.diversity.addEventListener("input", onDiversity);
  els.diversity.addEventListener("change", onDiversity);

  // Start from the address: a form submitted before this script loaded, or a shared link.
  var params = new URLSearchParams(window.location.search);
  var d = params.get("diversity");
  if (d !== null && !isNaN(Number(d))) {
    els.diversity.value = String(Math.min(1, Math.max(0, Number(d))));
    els.diversityValue.textContent = diversity().toFixed(1);
  }
  if (params.get("user")) els.user.value = params.get("user");
  if (params.get("q")) { els.q.value = params.get("q"); search(); }
  else if (params.get("user")) userRecs();
  document.documentElement.classList.add("js-ready");
})();
