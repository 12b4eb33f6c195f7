"""The Python and TypeScript clients name their methods alike (put_item and putItem) and call
the same routes with the same query parameters; both keep a routes table, compared here."""

import re
import unittest
from pathlib import Path

from recd import RECOMMEND_KNOBS, ROUTES

TS_ROOT = Path(__file__).resolve().parents[2] / "typescript" / "src"


def _snake(name: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), name)


class ParityTest(unittest.TestCase):
    def test_same_methods_and_routes_as_typescript(self):
        src = (TS_ROOT / "routes.ts").read_text()
        ts = {_snake(m): (method, path) for m, method, path in
              re.findall(r'^\s*(\w+): \{\s*method: "(\w+)", path: "([^"]+)"', src, re.M)}
        self.assertEqual(len(ts), len(re.findall(r"^\s*\w+: \{\s*method:", src, re.M)), "every TypeScript route parsed")
        py = {name: (r.method, r.path) for name, r in ROUTES.items()}
        self.assertEqual(py, ts)

    def test_same_recommend_knobs_as_typescript(self):
        src = (TS_ROOT / "types.ts").read_text()
        body = re.search(r"recommendOptions: Shape<RecommendOptions> = \{(.*?)\};", src, re.S).group(1)
        self.assertEqual(sorted(re.findall(r"(\w+): null", body)), sorted(RECOMMEND_KNOBS))


if __name__ == "__main__":
    unittest.main()
