"""The client against a local stub server: retries on 503 and 429 honouring Retry-After, and
error answers turned into RecdError."""

import http.server
import json
import threading
import time
import unittest
from email.utils import formatdate

from recd import Client, RecdError, retry_delay

UNAVAILABLE = json.dumps({"error": {"code": "unavailable", "message": "no model yet"}}).encode()
POPULAR = json.dumps({"items": [{"id": "1", "score": 1, "reasons": []}], "strategy": "popularity"}).encode()


class Stub(http.server.ThreadingHTTPServer):
    """Serves answers ([status, headers, body]) in order, the last one repeated, and records hits."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.answers, self.hits = [], []

    def serve(self, *answers):
        self.answers, self.hits = list(answers), []


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        s = self.server
        s.hits.append({"path": self.path, "at": time.monotonic(), "auth": self.headers.get("Authorization")})
        status, headers, body = s.answers[min(len(s.hits), len(s.answers)) - 1]
        headers = dict(headers)
        self.send_response(status)
        self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class RetryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stub = Stub()
        threading.Thread(target=cls.stub.serve_forever, daemon=True).start()
        cls.url = f"http://127.0.0.1:{cls.stub.server_address[1]}"

    @classmethod
    def tearDownClass(cls):
        cls.stub.shutdown()
        cls.stub.server_close()

    def test_retries_503_after_retry_after(self):
        self.stub.serve((503, {"Retry-After": "1"}, UNAVAILABLE), (200, {}, POPULAR))
        got = Client(self.url, backoff=0.001).popular(1)
        self.assertEqual(got["items"][0]["id"], "1")
        self.assertEqual(len(self.stub.hits), 2)
        waited = self.stub.hits[1]["at"] - self.stub.hits[0]["at"]
        self.assertGreaterEqual(waited, 0.95, "want the 1 s of Retry-After")

    def test_gives_up_after_max_retries(self):
        body = json.dumps({"error": {"code": "rate_limited", "message": "slow down"}}).encode()
        self.stub.serve((429, {"Retry-After": "0"}, body))
        with self.assertRaises(RecdError) as cm:
            Client(self.url, max_retries=2).popular(1)
        e = cm.exception
        self.assertEqual((e.status, e.code, e.message, e.field), (429, "rate_limited", "slow down", None))
        self.assertEqual(len(self.stub.hits), 3)

    def test_does_not_retry_400(self):
        body = json.dumps({"error": {"code": "invalid_argument", "message": "n: too big", "field": "n"}}).encode()
        self.stub.serve((400, {}, body))
        with self.assertRaises(RecdError) as cm:
            Client(self.url).popular(1000)
        self.assertEqual((cm.exception.status, cm.exception.field), (400, "n"))
        self.assertEqual([h["path"] for h in self.stub.hits], ["/v1/popular?n=1000"])

    def test_error_text_that_is_not_json(self):
        self.stub.serve((502, {"Content-Type": "text/plain"}, b"bad gateway\n"))
        with self.assertRaises(RecdError) as cm:
            Client(self.url).spaces()
        self.assertEqual((cm.exception.status, cm.exception.code, cm.exception.message), (502, "http_502", "bad gateway"))

    def test_api_key_and_repeated_list_parameters(self):
        self.stub.serve((200, {}, POPULAR))
        Client(self.url + "/", api_key="k1").recommend("u 1", 5, category=["Comedy", "Drama"], diversity=0.3)
        self.assertEqual(self.stub.hits[0]["auth"], "Bearer k1")
        self.assertEqual(self.stub.hits[0]["path"], "/v1/users/u%201/recommendations?n=5&category=Comedy&category=Drama&diversity=0.3")


class RetryDelayTest(unittest.TestCase):
    def test_seconds_dates_and_backoff(self):
        self.assertEqual(retry_delay("2", 0, 0.1, 30), 2)
        now = 1_800_000_000.0
        self.assertAlmostEqual(retry_delay(formatdate(now + 3, usegmt=True), 0, 0.1, 30, now=now), 3)
        self.assertEqual(retry_delay("120", 0, 0.1, 30), 30)
        d = retry_delay(None, 3, 0.1, 30)
        self.assertTrue(0.4 <= d <= 0.8, d)


if __name__ == "__main__":
    unittest.main()
