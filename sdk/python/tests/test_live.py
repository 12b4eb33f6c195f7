"""The client against a real `recd demo`, started once for this module: the document check,
then every method."""

import json
import typing
import unittest
import urllib.request

from harness import Recd
from recd import ROUTES, Client, RecdError

# Documented routes no client method calls, on purpose: operations endpoints and the web page.
UNCOVERED = {"GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json", "GET /", "GET /admin", "GET /assets/{path}"}
# Fields where the client's types knowingly differ from the document, as "Type.field" (none).
FIELD_EXCEPTIONS = set()

recd = None
c = None
doc = None


def setUpModule():
    global recd, c, doc
    recd = Recd()
    c = Client(recd.base_url, recd.api_key, timeout=600)
    with urllib.request.urlopen(recd.base_url + "/openapi.json") as res:
        doc = json.load(res)


def tearDownModule():
    if recd:
        recd.stop()


def _resolve(schema):
    ref = schema.get("$ref")
    return doc["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def _nested(annotation):
    """The TypedDict a field holds, itself or as list elements; None for a plain value or a map."""
    if typing.get_origin(annotation) is list:
        annotation = typing.get_args(annotation)[0]
    return annotation if isinstance(annotation, type) and issubclass(annotation, dict) and annotation is not dict else None


def _compare(cls, schema, path, out):
    hints = typing.get_type_hints(cls)
    props = _resolve(schema).get("properties", {})
    for k in sorted(set(hints) | set(props)):
        where = f"{path}.{k}"
        if f"{cls.__name__}.{k}" in FIELD_EXCEPTIONS:
            continue
        if k not in hints:
            out.append(f"{where}: in the document, not in the client's {cls.__name__}")
            continue
        if k not in props:
            out.append(f"{where}: in the client's {cls.__name__}, not in the document")
            continue
        p = _resolve(props[k])
        if p.get("type") == "array":
            p = _resolve(p["items"])
        nested = _nested(hints[k])
        if "properties" in p and nested is None:
            out.append(f"{where}: the document nests an object, the client's {cls.__name__} does not")
        elif "properties" not in p and nested is not None:
            out.append(f"{where}: the client's {cls.__name__} nests {nested.__name__}, the document does not")
        elif nested is not None:
            _compare(nested, p, where, out)


class DocumentTest(unittest.TestCase):
    def test_every_method_route_is_documented(self):
        for name, r in ROUTES.items():
            self.assertIn(r.method.lower(), doc["paths"].get(r.path, {}), f"{name}: {r.method} {r.path}")

    def test_every_documented_route_has_a_method(self):
        called = {f"{r.method} {r.path}" for r in ROUTES.values()}
        for path, ops in doc["paths"].items():
            for method in ops:
                key = f"{method.upper()} {path}"
                if method != "head" and key not in called and key not in UNCOVERED:
                    self.fail(f"{key} has no client method")

    def test_response_types_have_the_documented_fields(self):
        out = []
        for name, r in ROUTES.items():
            op = doc["paths"][r.path][r.method.lower()]
            ok = op["responses"].get("200") or op["responses"].get("204") or {}
            schema = ok.get("content", {}).get("application/json", {}).get("schema")
            if r.response is None:
                if schema:
                    out.append(f"{name}: the document answers {schema}, the client nothing")
                continue
            if not schema or schema.get("$ref") != f"#/components/schemas/{r.response.__name__}":
                out.append(f"{name}: the document answers {schema}, the client {r.response.__name__}")
                continue
            _compare(r.response, schema, r.response.__name__, out)
        self.assertEqual(out, [])

    def test_query_parameters_are_documented(self):
        for name, r in ROUTES.items():
            op = doc["paths"][r.path][r.method.lower()]
            documented = sorted(p["name"] for p in op.get("parameters", []) if p["in"] == "query")
            self.assertEqual(sorted(r.query), documented, f"{name}: query parameters")

    def test_request_types_have_the_documented_fields(self):
        out = []
        for name, r in ROUTES.items():
            op = doc["paths"][r.path][r.method.lower()]
            schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if r.request is None:
                if schema:
                    out.append(f"{name}: the document takes {schema}, the client sends nothing")
                continue
            if schema and _resolve(schema).get("type") == "array":
                schema = _resolve(schema)["items"]  # a batch of r.request
            if not schema or schema.get("$ref") != f"#/components/schemas/{r.request.__name__}":
                out.append(f"{name}: the document takes {schema}, the client {r.request.__name__}")
                continue
            _compare(r.request, schema, r.request.__name__, out)
        self.assertEqual(out, [])


class ItemsTest(unittest.TestCase):
    def test_get_put_round_trip(self):
        it = c.get_item("1")
        self.assertEqual(it["title"], "Toy Story (1995)")
        put = c.put_item({**it, "title": "Toy Story (renamed)"})
        self.assertEqual(put["title"], "Toy Story (renamed)")
        self.assertEqual(put["categories"], it["categories"])
        self.assertEqual(c.get_item("1")["title"], "Toy Story (renamed)")
        c.put_item(it)
        self.assertEqual(c.get_item("1")["title"], "Toy Story (1995)")

    def test_get_unknown_item_is_404(self):
        with self.assertRaises(RecdError) as cm:
            c.get_item("no-such-item")
        self.assertEqual((cm.exception.status, cm.exception.code), (404, "not_found"))

    def test_list_items_pages(self):
        pages = c.list_items(limit=3)
        first, second = next(pages), next(pages)
        self.assertEqual(first["next_cursor"], first["items"][2]["id"])
        ids = [i["id"] for i in first["items"] + second["items"]]
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(len(set(ids)), 6)
        seen = set()
        n_pages = 0
        for page in c.list_items(limit=1000):
            n_pages += 1
            seen.update(i["id"] for i in page["items"])
        self.assertGreaterEqual(len(seen), 9742)
        self.assertEqual(n_pages, -(-len(seen) // 1000) + (1 if len(seen) % 1000 == 0 else 0))

    def test_put_items_streams_a_generator(self):
        def gen():
            yield {"id": "sdk-py-1", "title": "First", "categories": ["Comedy"]}
            yield {"id": "", "title": "no id"}
            yield {"id": "sdk-py-2", "title": "Second"}

        got = c.put_items(gen())
        self.assertEqual(got["stored"], 2)
        self.assertEqual([(r["line"], r["error"]["field"]) for r in got["rejected"]], [(2, "id")])
        self.assertEqual(c.get_item("sdk-py-2")["title"], "Second")

    def test_put_items_list_and_delete(self):
        got = c.put_items([{"id": "sdk-py-3", "title": "Third"}])
        self.assertEqual((got["stored"], got["rejected"]), (1, []))
        c.delete_item("sdk-py-3")
        with self.assertRaises(RecdError) as cm:
            c.get_item("sdk-py-3")
        self.assertEqual(cm.exception.status, 404)


class UsersEventsTest(unittest.TestCase):
    def test_put_get_delete_user(self):
        u = c.put_user({"id": "sdk-py-user", "attributes": {"plan": "pro"}})
        self.assertEqual(u["attributes"], {"plan": "pro"})
        got = c.get_user("sdk-py-user")
        c.put_user({**got, "attributes": {"plan": "free"}})
        self.assertEqual(c.get_user("sdk-py-user")["attributes"], {"plan": "free"})
        c.delete_user("sdk-py-user")
        with self.assertRaises(RecdError) as cm:
            c.get_user("sdk-py-user")
        self.assertEqual((cm.exception.status, cm.exception.code), (404, "not_found"))

    def test_add_events_then_user_events(self):
        res = c.add_events([
            {"user_id": "sdk-py-ev", "item_id": "1", "type": "click", "timestamp": "2026-01-01T00:00:00Z"},
            {"user_id": "sdk-py-ev", "item_id": "2", "type": "click", "timestamp": "2026-01-02T00:00:00Z"},
            {"user_id": "sdk-py-ev", "item_id": "3", "type": "rating", "value": 4, "timestamp": "2026-01-03T00:00:00Z"},
        ])
        self.assertEqual(res["stored"], 3)
        self.assertEqual(res["last_seq"] - res["first_seq"], 2)
        pages = [[e["item_id"] for e in p["events"]] for p in c.user_events("sdk-py-ev", limit=2)]
        self.assertEqual(pages, [["3", "2"], ["1"]])

    def test_add_events_names_the_bad_field(self):
        with self.assertRaises(RecdError) as cm:
            c.add_events([{"user_id": "u", "item_id": "1", "type": "click", "timestamp": "yesterday"}])
        e = cm.exception
        self.assertEqual((e.status, e.code, e.field), (400, "invalid_argument", "[0].timestamp"))


class RecommendationsTest(unittest.TestCase):
    def test_recommend_with_knobs(self):
        got = c.recommend("1", 5, diversity=0.3, exclude=["589"], category=["Action"])
        self.assertEqual(len(got["items"]), 5)
        self.assertNotIn("589", [i["id"] for i in got["items"]])
        self.assertTrue(got["model_version"])

    def test_recommend_rejects_an_unknown_knob(self):
        with self.assertRaises(TypeError):
            c.recommend("1", 5, diversty=0.3)

    def test_recommend_n_out_of_range_is_400_naming_n(self):
        with self.assertRaises(RecdError) as cm:
            c.recommend("1", 0)
        self.assertEqual((cm.exception.status, cm.exception.code, cm.exception.field), (400, "invalid_argument", "n"))

    def test_recommend_for_context_items(self):
        got = c.recommend_for({"context_items": ["1"], "n": 4, "exclude": ["2"]})
        ids = [i["id"] for i in got["items"]]
        self.assertEqual(len(ids), 4)
        self.assertFalse({"1", "2"} & set(ids))

    def test_next_pages_a_list_without_repeating_an_item(self):
        first = c.recommend("1", 3, rotation=0.5)
        nxt = c.next(first["recommendation_id"], 3)
        self.assertEqual(len(nxt["items"]), 3)
        self.assertNotEqual(nxt["recommendation_id"], first["recommendation_id"])
        self.assertFalse({i["id"] for i in first["items"]} & {i["id"] for i in nxt["items"]})
        with self.assertRaises(RecdError) as cm:
            c.next("01HZX3NDEKTSV4RRFFQ69G5FAV", 3)
        self.assertEqual((cm.exception.status, cm.exception.field), (404, "recommendation_id"))

    def test_similar_popular_trending(self):
        sim = c.similar("1", 3, "itemknn")
        self.assertEqual((len(sim["items"]), sim["strategy"]), (3, "itemknn"))
        pop = c.popular(3, category=["Comedy"])
        self.assertEqual(len(pop["items"]), 3)
        self.assertTrue(all(i["reasons"] for i in pop["items"]))
        self.assertTrue(c.trending(3)["items"])

    def test_query(self):
        got = c.query("comedy from the 90s", n=3)
        self.assertEqual(got["query"]["categories"], ["Comedy"])
        self.assertEqual(len(got["items"]), 3)
        self.assertIs(got["matched"], True)


class AdminTest(unittest.TestCase):
    def test_spaces(self):
        names = [s["name"] for s in c.spaces()["spaces"]]
        self.assertIn("cf", names)
        self.assertIn("content", names)

    def test_train_and_models(self):
        m = c.train(force=True)
        self.assertTrue(m["version"])
        again = c.train()
        self.assertIs(again.get("skipped"), True)
        self.assertEqual(again["version"], m["version"])
        self.assertTrue(any(x["version"] == m["version"] and x["serving"] for x in c.models()["models"]))


if __name__ == "__main__":
    unittest.main()
