// recd search page, API access: the API key kept in this tab's sessionStorage, requests with
// that key in their Authorization header, and plain-language messages for API errors.
// app.js (the page itself) uses window.recdAPI.
(function () {
  "use strict";

  var KEY = "recd.apiKey";       // sessionStorage: the API key, for this tab only
  var RECENT = "recd.recentUsers"; // sessionStorage: users confirmed to exist, newest first
  var MAX_RECENT = 12;

  // The key lives in sessionStorage only: never in long-lived storage, a cookie or a URL.
  // A browser that refuses storage (private modes, file:) keeps it in memory for the page.
  var memory = {};
  function load(name) {
    try { return window.sessionStorage.getItem(name); } catch (e) { return memory[name] || null; }
  }
  function save(name, value) {
    try {
      if (value === null) window.sessionStorage.removeItem(name);
      else window.sessionStorage.setItem(name, value);
    } catch (e) { if (value === null) delete memory[name]; else memory[name] = value; }
  }

  var key = {
    get: function () { return load(KEY) || ""; },
    set: function (k) { k = String(k || "").trim(); save(KEY, k ? k : null); },
    clear: function () { save(KEY, null); }
  };

  var recentUsers = {
    list: function () {
      try {
        var v = JSON.parse(load(RECENT) || "[]");
        return Array.isArray(v) ? v.filter(function (x) { return typeof x === "string"; }) : [];
      } catch (e) { return []; }
    },
    add: function (id) {
      var l = recentUsers.list().filter(function (x) { return x !== id; });
      l.unshift(id);
      save(RECENT, JSON.stringify(l.slice(0, MAX_RECENT)));
    }
  };

  // APIError is a failed API call: the HTTP status, the API's error code and message.
  function APIError(status, code, message, retryAfter) {
    this.name = "APIError";
    this.status = status;
    this.code = code || "";
    this.message = message || ("HTTP " + status);
    this.retryAfter = retryAfter;
  }
  APIError.prototype = Object.create(Error.prototype);

  // call sends one request to the API with the stored key (if any) and resolves to the
  // decoded JSON body, or rejects with an APIError (or the fetch's own error).
  function call(url, opts) {
    opts = Object.assign({}, opts || {});
    var headers = Object.assign({ "Accept": "application/json" }, opts.headers || {});
    var k = key.get();
    if (k) headers["Authorization"] = "Bearer " + k;
    opts.headers = headers;
    opts.credentials = "omit"; // the key is the only credential the page sends
    opts.referrerPolicy = "no-referrer";
    return fetch(url, opts).then(function (res) {
      return res.text().then(function (body) {
        var data = null;
        try { data = body ? JSON.parse(body) : null; } catch (e) { data = null; }
        if (!res.ok) {
          var err = data && data.error ? data.error : {};
          throw new APIError(res.status, err.code, typeof err === "string" ? err : err.message,
            Number(res.headers.get("Retry-After")) || 0);
        }
        return data || {};
      });
    });
  }

  // explain turns a failure into a sentence for the page, and says whether the key field
  // should get the reader's attention; role is the role the page needs ("read" by default).
  function explain(err, role) {
    role = role || "read";
    if (!(err instanceof APIError)) {
      return { text: "The server could not be reached: " + (err && err.message ? err.message : String(err)) };
    }
    switch (err.status) {
      case 401:
        if (!key.get()) {
          return { needKey: true, text: "This server needs an API key. Enter one above " +
            (role === "read" ? "(a read key is enough)" : "(one with the " + role + " role)") + ", then try again." };
        }
        return { needKey: true, text: "The server did not accept this API key. Check it, or ask the " +
          "operator for a " + role + " key, and enter it above." };
      case 403:
        return { needKey: true, text: "This API key may not do that: this page needs a key with " +
          "the " + role + " role" + (role === "read" ? " (or higher)." : ".") };
      case 429:
        return { text: "Too many requests with this key; try again" +
          (err.retryAfter ? " in " + err.retryAfter + " s." : " shortly.") };
      case 503:
        return { text: "The server is busy or not ready yet (" + err.message + "); try again shortly." };
    }
    return { text: "The request failed: " + err.message };
  }

  window.recdAPI = { key: key, recentUsers: recentUsers, call: call, explain: explain, APIError: APIError };
})();
