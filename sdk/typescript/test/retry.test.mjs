// The client against a local stub server: retries on 503 and 429 honouring Retry-After, and
// error answers turned into RecdError.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { Client, RecdError, retryDelay } from "../dist/index.js";

let server;
let baseUrl;
let answers = []; // [status, headers, body] served in order, the last one repeated
let hits = [];

before(async () => {
  server = createServer((req, res) => {
    hits.push({ method: req.method, url: req.url, at: Date.now() });
    const [status, headers, body] = answers[Math.min(hits.length - 1, answers.length - 1)];
    res.writeHead(status, { "Content-Type": "application/json", ...headers });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${server.address().port}`;
});

after(() => new Promise((r) => server.close(r)));

function serve(...a) {
  answers = a;
  hits = [];
}

const unavailable = JSON.stringify({ error: { code: "unavailable", message: "no model yet" } });
const popular = JSON.stringify({ items: [{ id: "1", score: 1, reasons: [] }], strategy: "popularity" });

test("Client retries a 503 after its Retry-After", async () => {
  serve([503, { "Retry-After": "1" }, unavailable], [200, {}, popular]);
  const got = await new Client(baseUrl, { backoffMs: 1 }).popular(1);
  assert.equal(got.items[0].id, "1");
  assert.equal(hits.length, 2);
  const waited = hits[1].at - hits[0].at;
  assert.ok(waited >= 950, `waited ${waited} ms, want the 1 s of Retry-After`);
});

test("Client gives up after maxRetries and throws the last answer", async () => {
  serve([429, { "Retry-After": "0" }, JSON.stringify({ error: { code: "rate_limited", message: "slow down" } })]);
  await assert.rejects(new Client(baseUrl, { maxRetries: 2 }).popular(1), (e) => {
    assert.ok(e instanceof RecdError);
    assert.equal(e.status, 429);
    assert.equal(e.code, "rate_limited");
    assert.equal(e.message, "slow down");
    return true;
  });
  assert.equal(hits.length, 3);
});

test("Client does not retry a 400", async () => {
  serve([400, {}, JSON.stringify({ error: { code: "invalid_argument", message: "n: too big", field: "n" } })]);
  await assert.rejects(new Client(baseUrl).popular(1000), { status: 400, code: "invalid_argument", field: "n" });
  assert.equal(hits.length, 1);
  assert.equal(hits[0].url, "/v1/popular?n=1000");
});

test("RecdError keeps the text of an answer that is not recd's error JSON", async () => {
  serve([502, { "Content-Type": "text/plain" }, "bad gateway\n"]);
  await assert.rejects(new Client(baseUrl).spaces(), { status: 502, code: "http_502", message: "bad gateway" });
});

test("Client sends the API key and repeats list parameters", async () => {
  serve([200, {}, popular]);
  let auth;
  server.once("request", (req) => { auth = req.headers.authorization; });
  await new Client(baseUrl + "/", { apiKey: "k1" }).recommend("u 1", 5, { category: ["Comedy", "Drama"], diversity: 0.3 });
  assert.equal(auth, "Bearer k1");
  assert.equal(hits[0].url, "/v1/users/u%201/recommendations?n=5&category=Comedy&category=Drama&diversity=0.3");
});

test("retryDelay reads seconds and HTTP dates, and backs off without either", () => {
  assert.equal(retryDelay("2", 0, 100, 30_000), 2000);
  const now = Date.parse("Fri, 04 Dec 2026 20:00:00 GMT");
  assert.equal(retryDelay("Fri, 04 Dec 2026 20:00:03 GMT", 0, 100, 30_000, now), 3000);
  assert.equal(retryDelay("120", 0, 100, 30_000), 30_000);
  const d = retryDelay(null, 3, 100, 30_000);
  assert.ok(d >= 400 && d <= 800, `backoff ${d}`);
});
