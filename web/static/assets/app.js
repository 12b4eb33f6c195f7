// recd search page: plain DOM, no framework, no build step. All data is written with
// textContent, never parsed as HTML, so titles and reasons cannot inject markup. API calls
// and the API key go through window.recdAPI (api.js).
(function () {
  "use strict";

  var api = window.recdAPI;

  var $ = function (id) { return document.getElementById(id); };
  var els = {
    keyForm: $("key-form"), key: $("key"), keySection: $("key-section"), keyState: $("key-state"),
    keyForget: $("key-forget"), userList: $("user-list"),
    searchForm: $("search-form"), q: $("q"),
    userForm: $("user-form"), user: $("user"),
    diversity: $("diversity"), diversityValue: $("diversity-value"),
    results: $("results"), status: $("status"), meta: $("meta"),
    understood: $("understood"), explanation: $("explanation"), items: $("items")
  };
  var N = 10;
  var last = null;          // "search" or "user": what the slider and a new key re-run
  var inflight = null;      // AbortController of the running request
  var itemCache = new Map(); // id -> Promise of the item (for lazy categories)
  var titles = new Map();    // id -> title, for reasons without the API's sentence
  var knownUsers = new Set(); // user ids the API confirmed exist

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
    opts = Object.assign({}, opts || {}, { signal: inflight.signal });
    els.results.setAttribute("aria-busy", "true");
    return api.call(url, opts).finally(function () { els.results.setAttribute("aria-busy", "false"); });
  }

  function failed(err) {
    if (err && err.name === "AbortError") return;
    clearResults();
    var why = err && err.userMessage ? { text: err.userMessage } : api.explain(err);
    setStatus(why.text, true);
    els.keySection.classList.toggle("attention", !!why.needKey);
    if (why.needKey) els.key.focus();
  }

  // checkUser resolves when the API knows the user (GET v1/users/{id}), and remembers the
  // user for the picker's list; an unknown id rejects with a message that says what ids are.
  function checkUser(uid) {
    if (knownUsers.has(uid)) return Promise.resolve();
    return request("v1/users/" + encodeURIComponent(uid)).then(function () {
      knownUsers.add(uid);
      api.recentUsers.add(uid);
      fillUserList();
    }, function (err) {
      if (err instanceof api.APIError && (err.status === 404 || err.status === 400)) {
        var e = new Error("msg");
        e.userMessage = "There is no user “" + uid + "” on this server. User ids are the ids the " +
          "events were sent with (1 to 610 in the MovieLens demo); users picked before in this tab are offered in the list.";
        els.user.focus();
        throw e;
      }
      throw err;
    });
  }

  function fillUserList() {
    els.userList.replaceChildren();
    api.recentUsers.list().forEach(function (id) {
      var o = document.createElement("option");
      o.value = id;
      els.userList.appendChild(o);
    });
  }

  function search() {
    var text = els.q.value.trim();
    if (!text) { setStatus("Type what you are looking for first.", true); els.q.focus(); return; }
    last = "search";
    var uid = els.user.value.trim();
    remember({ q: text, user: uid });
    var body = { text: text, n: N, explain: true, diversity: diversity() };
    if (uid) body.user_id = uid;
    setStatus("Searching…");
    (uid ? checkUser(uid) : Promise.resolve()).then(function () {
      return request("v1/query", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
      });
    }).then(function (data) {
      render(data.items || []);
      if (data.matched === false) setStatus(nothingMatched(text, uid, data));
      var parser = data.parser === "llm" ? "the language model" : "the built-in parser";
      show(els.meta, "Understood by " + parser + ".");
      show(els.understood, describeQuery(data.query || {}));
      show(els.explanation, data.explanation || "");
    }).catch(failed);
  }

  // nothingMatched says plainly that the list is the server's fallback, not an answer.
  function nothingMatched(text, uid, data) {
    var instead = uid && data.strategy !== "popularity" ?
      "showing recommendations for user " + uid + " instead." : "showing popular films instead.";
    if (!(data.items || []).length) return "Nothing matched '" + text + "'.";
    return "Nothing matched '" + text + "'; " + instead;
  }

  function userRecs() {
    var uid = els.user.value.trim();
    if (!uid) { setStatus("Pick or enter a user id first.", true); els.user.focus(); return; }
    last = "user";
    remember({ user: uid });
    setStatus("Loading recommendations for user " + uid + "…");
    var url = "v1/users/" + encodeURIComponent(uid) + "/recommendations?n=" + N +
      "&diversity=" + encodeURIComponent(String(diversity()));
    checkUser(uid).then(function () { return request(url); }).then(function (data) {
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

  // reasonText is the API's own sentence for a reason ("Because you liked Amelie"), which
  // names titles; a response without one gets a sentence built here from the type.
  function reasonText(r) {
    if (r.text) return r.text;
    var names = (r.items || []).slice(0, 3).map(function (id) { return titles.get(id) || id; }).join(", ");
    switch (r.type) {
      case "similar_to": return names ? "Because you liked " + names : "Similar to items you liked";
      case "popular": return "Popular right now";
      case "popular_in": return "Popular in " + (r.category || "its category");
      case "trending": return "Trending now";
      case "matches_profile": return "Matches your taste profile";
      case "collaborative": return "Liked by people with similar taste";
      case "session": return "Close to what you just looked at";
      case "long_tail": return "A less-known pick";
      case "query": return "Matches your request";
    }
    return r.type || "";
  }

  function fetchItem(id) {
    if (!itemCache.has(id)) {
      itemCache.set(id, api.call("v1/items/" + encodeURIComponent(id)).catch(function () { return null; }));
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
    rerunTimer = setTimeout(rerun, 250);
  }

  function rerun() {
    if (last === "search") search();
    else if (last === "user") userRecs();
  }

  function showKeyState() {
    var has = !!api.key.get();
    els.keyState.textContent = has ? "A key is set for this tab." : "No key set.";
    els.keyForget.hidden = !has;
  }

  // A new key re-runs what failed without one.
  els.keyForm.addEventListener("submit", function (e) {
    e.preventDefault();
    api.key.set(els.key.value);
    els.key.value = "";
    knownUsers.clear();
    itemCache.clear();
    showKeyState();
    els.keySection.classList.remove("attention");
    if (api.key.get()) rerun();
  });
  els.keyForget.addEventListener("click", function () {
    api.key.clear();
    knownUsers.clear();
    itemCache.clear();
    showKeyState();
    els.key.focus();
  });
  els.searchForm.addEventListener("submit", function (e) { e.preventDefault(); search(); });
  els.userForm.addEventListener("submit", function (e) { e.preventDefault(); userRecs(); });
  els.diversity.addEventListener("input", onDiversity);
  els.diversity.addEventListener("change", onDiversity);

  showKeyState();
  fillUserList();

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
