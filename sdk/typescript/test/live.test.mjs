// The client against a real `recd demo` (started once for this file): the document check, then
// every method.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client, RecdError, routes, shapes } from "../dist/index.js";
import { startRecd } from "./harness.mjs";

// Documented routes no client method calls, on purpose: operations endpoints and the web page.
const uncovered = new Set(["GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json", "GET /", "GET /admin", "GET /assets/{path}"]);
// Fields where the client's types knowingly differ from the document, as "Type.field" (none).
const fieldExceptions = new Set([]);

let recd;
let c;
let doc;

before(async () => {
  recd = await startRecd();
  c = new Client(recd.baseUrl, { apiKey: recd.apiKey, timeoutMs: 600_000 });
  doc = await (await fetch(`${recd.baseUrl}/openapi.json`)).json();
});

after(async () => {
  await recd?.stop();
});

function resolve(schema) {
  const ref = schema?.$ref;
  return ref ? doc.components.schemas[ref.split("/").pop()] : schema;
}

// compareShape lists where the client's shape name and the document's schema disagree, recursing
// into nested objects and lists of objects.
function compareShape(name, schema, path, out) {
  const shape = shapes[name];
  const props = resolve(schema).properties ?? {};
  for (const k of new Set([...Object.keys(shape), ...Object.keys(props)])) {
    const where = `${path}.${k}`;
    if (fieldExceptions.has(`${name}.${k}`)) continue;
    if (!(k in shape)) { out.push(`${where}: in the document, not in the client's ${name}`); continue; }
    if (!(k in props)) { out.push(`${where}: in the client's ${name}, not in the document`); continue; }
    let p = resolve(props[k]);
    if (p.type === "array") p = resolve(p.items);
    const nested = p.properties ? true : false;
    if (nested && !shape[k]) out.push(`${where}: the document nests an object, the client's ${name} does not`);
    else if (!nested && shape[k]) out.push(`${where}: the client's ${name} nests ${shape[k]}, the document does not`);
    else if (nested) compareShape(shape[k], p, where, out);
  }
}

describe("the OpenAPI document", () => {
  test("has the route of every client method", () => {
    for (const [m, r] of Object.entries(routes)) {
      assert.ok(doc.paths[r.path]?.[r.method.toLowerCase()], `${m}: ${r.method} ${r.path} is not in the document`);
    }
  });

  test("has no route the client leaves out unless listed", () => {
    const called = new Set(Object.values(routes).map((r) => `${r.method} ${r.path}`));
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const key = `${method.toUpperCase()} ${path}`;
        if (method === "head" || called.has(key) || uncovered.has(key)) continue;
        assert.fail(`${key} has no client method`);
      }
    }
  });

  test("answers with the response types' fields", () => {
    const out = [];
    for (const [m, r] of Object.entries(routes)) {
      const op = doc.paths[r.path][r.method.toLowerCase()];
      const ok = op.responses["200"] ?? op.responses["204"];
      const schema = ok?.content?.["application/json"]?.schema;
      if (r.response === null) {
        if (schema) out.push(`${m}: the document answers ${schema.$ref}, the client nothing`);
        continue;
      }
      if (schema?.$ref !== `#/components/schemas/${r.response}`) {
        out.push(`${m}: the document answers ${schema?.$ref}, the client ${r.response}`);
        continue;
      }
      compareShape(r.response, schema, r.response, out);
    }
    assert.deepEqual(out, []);
  });

  test("takes the query parameters the client sends", () => {
    for (const [m, r] of Object.entries(routes)) {
      const op = doc.paths[r.path][r.method.toLowerCase()];
      const documented = (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name).sort();
      assert.deepEqual([...r.query].sort(), documented, `${m}: query parameters`);
    }
  });

  test("takes the request bodies' fields", () => {
    const out = [];
    for (const [m, r] of Object.entries(routes)) {
      const op = doc.paths[r.path][r.method.toLowerCase()];
      let schema = op.requestBody?.content?.["application/json"]?.schema;
      if (r.request === null) {
        if (schema) out.push(`${m}: the document takes ${schema.$ref}, the client sends nothing`);
        continue;
      }
      if (resolve(schema ?? {}).type === "array") schema = resolve(schema).items; // a batch of r.request
      if (schema?.$ref !== `#/components/schemas/${r.request}`) {
        out.push(`${m}: the document takes ${schema?.$ref}, the client ${r.request}`);
        continue;
      }
      compareShape(r.request, schema, r.request, out);
    }
    assert.deepEqual(out, []);
  });
});

describe("items", () => {
  test("getItem then putItem round trip", async () => {
    const it = await c.getItem("1");
    assert.equal(it.title, "Toy Story (1995)");
    const put = await c.putItem({ ...it, title: "Toy Story (renamed)" });
    assert.equal(put.title, "Toy Story (renamed)");
    assert.deepEqual(put.categories, it.categories);
    assert.equal((await c.getItem("1")).title, "Toy Story (renamed)");
    await c.putItem(it);
    assert.equal((await c.getItem("1")).title, "Toy Story (1995)");
  });

  test("getItem of an unknown item is a 404 RecdError", async () => {
    await assert.rejects(c.getItem("no-such-item"), (e) => {
      assert.ok(e instanceof RecdError);
      assert.equal(e.status, 404);
      assert.equal(e.code, "not_found");
      return true;
    });
  });

  test("listItems pages through the catalog in id order", async () => {
    const first = [];
    for await (const page of c.listItems({ limit: 3 })) {
      first.push(page);
      if (first.length === 2) break;
    }
    assert.equal(first[0].items.length, 3);
    assert.equal(first[1].items.length, 3);
    assert.equal(first[0].next_cursor, first[0].items[2].id);
    const ids = [...first[0].items, ...first[1].items].map((i) => i.id);
    assert.deepEqual(ids, [...ids].sort());
    assert.equal(new Set(ids).size, 6);

    const seen = new Set();
    let pages = 0;
    for await (const page of c.listItems({ limit: 1000 })) {
      pages++;
      for (const it of page.items) seen.add(it.id);
    }
    assert.ok(seen.size >= 9742, `listed ${seen.size} items`);
    assert.equal(pages, Math.ceil(seen.size / 1000) + (seen.size % 1000 === 0 ? 1 : 0));
  });

  test("putItems streams a generator and reports bad lines", async () => {
    function* gen() {
      yield { id: "sdk-ts-1", title: "First", categories: ["Comedy"] };
      yield { id: "", title: "no id" };
      yield { id: "sdk-ts-2", title: "Second" };
    }
    const got = await c.putItems(gen());
    assert.equal(got.stored, 2);
    assert.equal(got.rejected.length, 1);
    assert.equal(got.rejected[0].line, 2);
    assert.equal(got.rejected[0].error.field, "id");
    assert.equal((await c.getItem("sdk-ts-2")).title, "Second");
  });

  test("putItems streams an async iterable", async () => {
    async function* gen() {
      for (const id of ["sdk-ts-4", "sdk-ts-5"]) yield { id, title: id };
    }
    const got = await c.putItems(gen());
    assert.equal(got.stored, 2);
    assert.equal((await c.getItem("sdk-ts-5")).title, "sdk-ts-5");
  });

  test("putItems sends an array whole", async () => {
    const got = await c.putItems([{ id: "sdk-ts-3", title: "Third" }]);
    assert.equal(got.stored, 1);
    assert.deepEqual(got.rejected, []);
  });

  test("deleteItem removes the item", async () => {
    await c.deleteItem("sdk-ts-3");
    await assert.rejects(c.getItem("sdk-ts-3"), { status: 404 });
  });
});

describe("users and events", () => {
  test("putUser, getUser, deleteUser", async () => {
    const u = await c.putUser({ id: "sdk-ts-user", attributes: { plan: "pro" } });
    assert.deepEqual(u.attributes, { plan: "pro" });
    const got = await c.getUser("sdk-ts-user");
    assert.equal(got.id, "sdk-ts-user");
    await c.putUser({ ...got, attributes: { plan: "free" } });
    assert.deepEqual((await c.getUser("sdk-ts-user")).attributes, { plan: "free" });
    await c.deleteUser("sdk-ts-user");
    await assert.rejects(c.getUser("sdk-ts-user"), { status: 404, code: "not_found" });
  });

  test("addEvents then userEvents pages newest first", async () => {
    const res = await c.addEvents([
      { user_id: "sdk-ts-ev", item_id: "1", type: "click", timestamp: "2026-01-01T00:00:00Z" },
      { user_id: "sdk-ts-ev", item_id: "2", type: "click", timestamp: "2026-01-02T00:00:00Z" },
      { user_id: "sdk-ts-ev", item_id: "3", type: "rating", value: 4, timestamp: "2026-01-03T00:00:00Z" },
    ]);
    assert.equal(res.stored, 3);
    assert.equal(res.last_seq - res.first_seq, 2);
    const pages = [];
    for await (const page of c.userEvents("sdk-ts-ev", { limit: 2 })) pages.push(page);
    assert.deepEqual(pages.map((p) => p.events.map((e) => e.item_id)), [["3", "2"], ["1"]]);
  });

  test("addEvents names the bad field", async () => {
    await assert.rejects(c.addEvents([{ user_id: "u", item_id: "1", type: "click", timestamp: "yesterday" }]),
      { status: 400, code: "invalid_argument", field: "[0].timestamp" });
  });
});

describe("recommendations", () => {
  test("recommend with knobs", async () => {
    const got = await c.recommend("1", 5, { diversity: 0.3, exclude: ["589"], category: ["Action"] });
    assert.equal(got.items.length, 5);
    assert.ok(!got.items.some((i) => i.id === "589"));
    assert.ok(got.model_version);
  });

  test("recommend with n out of range is a 400 naming n", async () => {
    await assert.rejects(c.recommend("1", 0), { status: 400, code: "invalid_argument", field: "n" });
  });

  test("recommendFor context items", async () => {
    const got = await c.recommendFor({ context_items: ["1"], n: 4, exclude: ["2"] });
    assert.equal(got.items.length, 4);
    assert.ok(!got.items.some((i) => i.id === "1" || i.id === "2"));
  });

  test("next pages a list without repeating an item", async () => {
    const first = await c.recommend("1", 3, { rotation: 0.5 });
    const next = await c.next(first.recommendation_id, 3);
    assert.equal(next.items.length, 3);
    assert.notEqual(next.recommendation_id, first.recommendation_id);
    assert.ok(!next.items.some((i) => first.items.some((f) => f.id === i.id)));
    await assert.rejects(c.next(first.recommendation_id, 0), { status: 400, code: "invalid_argument", field: "n" });
    await assert.rejects(c.next("01HZX3NDEKTSV4RRFFQ69G5FAV", 3), { status: 404, field: "recommendation_id" });
  });

  test("similar, popular, trending", async () => {
    const sim = await c.similar("1", 3, "itemknn");
    assert.equal(sim.items.length, 3);
    assert.equal(sim.strategy, "itemknn");
    const pop = await c.popular(3, { category: ["Comedy"] });
    assert.equal(pop.items.length, 3);
    assert.ok(pop.items.every((i) => i.reasons.length > 0));
    assert.ok((await c.trending(3)).items.length > 0);
  });

  test("query parses the text", async () => {
    const got = await c.query("comedy from the 90s", { n: 3 });
    assert.deepEqual(got.query.categories, ["Comedy"]);
    assert.equal(got.items.length, 3);
    assert.equal(got.matched, true);
  });
});

describe("vectors and admin", () => {
  test("spaces lists cf and content", async () => {
    const names = (await c.spaces()).spaces.map((s) => s.name);
    assert.ok(names.includes("cf") && names.includes("content"), names.join());
  });

  test("train then models lists the served version", async () => {
    const m = await c.train(true);
    assert.ok(m.version);
    const again = await c.train();
    assert.equal(again.skipped, true);
    assert.equal(again.version, m.version);
    const list = await c.models();
    assert.ok(list.models.some((x) => x.version === m.version && x.serving));
  });
});
