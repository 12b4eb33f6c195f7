"""Client: one method per route of recd's REST API, over urllib."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Iterable, Iterator, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from ._errors import RecdError, retry_delay
from ._types import (
    BatchResult, Event, EventPage, EventResult, Experiment, ExperimentList, ExperimentReport, Item, ItemPage, Model,
    ModelList, QueryRequest, QueryResponse, RecommendRequest, Recommendations, SpaceList, User,
)


class Route(NamedTuple):
    """A route the client calls: method, path template, the query parameters the client may send,
    and the types of its JSON request body (the element type for a batch) and of its 200 answer."""

    method: str
    path: str
    query: Tuple[str, ...]
    request: Optional[type]
    response: Optional[type]


# The query parameters recommend takes besides n.
RECOMMEND_KNOBS = ("diversity", "calibration", "long_tail_share", "session_weight", "exposure_strength",
                   "session_id", "exclude", "category", "exclude_category", "filter", "boost")
_PAGE = ("limit", "cursor")
_LIST = ("n", "category")

# ROUTES maps each client method to its route; every method sends its request through this table.
ROUTES: Dict[str, Route] = {
    "put_item": Route("PUT", "/v1/items/{id}", (), Item, Item),
    "get_item": Route("GET", "/v1/items/{id}", (), None, Item),
    "delete_item": Route("DELETE", "/v1/items/{id}", (), None, None),
    "list_items": Route("GET", "/v1/items", _PAGE, None, ItemPage),
    "put_items": Route("POST", "/v1/items", (), Item, BatchResult),
    "put_user": Route("PUT", "/v1/users/{id}", (), User, User),
    "get_user": Route("GET", "/v1/users/{id}", (), None, User),
    "delete_user": Route("DELETE", "/v1/users/{id}", (), None, None),
    "user_events": Route("GET", "/v1/users/{id}/events", _PAGE, None, EventPage),
    "add_events": Route("POST", "/v1/events", (), Event, EventResult),
    "recommend": Route("GET", "/v1/users/{id}/recommendations", ("n",) + RECOMMEND_KNOBS, None, Recommendations),
    "recommend_for": Route("POST", "/v1/recommendations", (), RecommendRequest, Recommendations),
    "similar": Route("GET", "/v1/items/{id}/similar", _LIST + ("by",), None, Recommendations),
    "popular": Route("GET", "/v1/popular", _LIST, None, Recommendations),
    "trending": Route("GET", "/v1/trending", _LIST, None, Recommendations),
    "query": Route("POST", "/v1/query", (), QueryRequest, QueryResponse),
    "spaces": Route("GET", "/v1/spaces", (), None, SpaceList),
    "train": Route("POST", "/v1/admin/train", ("force",), None, Model),
    "models": Route("GET", "/v1/admin/models", (), None, ModelList),
    "put_experiment": Route("PUT", "/v1/experiments/{id}", (), Experiment, Experiment),
    "get_experiment": Route("GET", "/v1/experiments/{id}", (), None, Experiment),
    "list_experiments": Route("GET", "/v1/experiments", (), None, ExperimentList),
    "delete_experiment": Route("DELETE", "/v1/experiments/{id}", (), None, None),
    "experiment_report": Route("GET", "/v1/experiments/{id}/report", (), None, ExperimentReport),
}

_SERVER_SET = ("created_at", "updated_at")
_NDJSON = "application/x-ndjson"
Query = Mapping[str, Union[None, str, int, float, bool, Sequence[str]]]


def _writable(obj: Mapping[str, Any]) -> Dict[str, Any]:
    """Drops the fields the server sets, so an object read from the API can be sent back."""
    return {k: v for k, v in obj.items() if k not in _SERVER_SET}


def _query_string(query: Optional[Query]) -> str:
    """Encodes query, skipping None and repeating a parameter for each list element."""
    pairs = []
    for k, v in (query or {}).items():
        if v is None:
            continue
        for x in v if isinstance(v, (list, tuple)) else [v]:
            pairs.append((k, str(x).lower() if isinstance(x, bool) else str(x)))
    return "?" + urllib.parse.urlencode(pairs) if pairs else ""


def _ndjson_lines(items: Iterable[Mapping[str, Any]]) -> Iterator[bytes]:
    for it in items:
        yield (json.dumps(_writable(it)) + "\n").encode()


class Client:
    """A client of one recd server.

    It holds no per-request state, so one Client may be shared by threads. Failed calls raise
    RecdError; 429 and 503 answers are retried up to max_retries times, waiting for the
    Retry-After the server sends or else backing off exponentially from backoff seconds, except
    for a streamed batch, whose body cannot be replayed. timeout is per request, in seconds.
    """

    def __init__(self, base_url: str, api_key: Optional[str] = None, *, max_retries: int = 3,
                 backoff: float = 0.2, max_delay: float = 30.0, timeout: float = 60.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_delay = max_delay
        self.timeout = timeout

    def put_item(self, item: Mapping[str, Any]) -> Item:
        """Creates or replaces an item; returns it as stored."""
        return self._call("put_item", {"id": item["id"]}, body=_writable(item))

    def get_item(self, item_id: str) -> Item:
        return self._call("get_item", {"id": item_id})

    def delete_item(self, item_id: str) -> None:
        self._call("delete_item", {"id": item_id})

    def list_items(self, limit: Optional[int] = None, cursor: Optional[str] = None) -> Iterator[ItemPage]:
        """Iterates over the catalog's pages in id order, starting after cursor."""
        return self._pages(lambda cur: self._call("list_items", query={"limit": limit, "cursor": cur}), cursor)

    def put_items(self, items: Iterable[Mapping[str, Any]]) -> BatchResult:
        """Stores a batch of items as NDJSON.

        A list or tuple is sent whole (and retried); any other iterable is streamed line by line
        without holding it in memory. Bad lines come back in rejected, numbered from 1; the good
        ones are stored.
        """
        if isinstance(items, (list, tuple)):
            data: Union[bytes, Iterator[bytes]] = b"".join(_ndjson_lines(items))
        else:
            data = _ndjson_lines(items)
        return self._call("put_items", raw=(_NDJSON, data))

    def put_user(self, user: Mapping[str, Any]) -> User:
        """Creates or replaces a user; returns it as stored."""
        return self._call("put_user", {"id": user["id"]}, body=_writable(user))

    def get_user(self, user_id: str) -> User:
        return self._call("get_user", {"id": user_id})

    def delete_user(self, user_id: str) -> None:
        """Deletes a user and all their events."""
        self._call("delete_user", {"id": user_id})

    def user_events(self, user_id: str, limit: Optional[int] = None, cursor: Optional[str] = None) -> Iterator[EventPage]:
        """Iterates over a user's events, newest first, a page at a time."""
        return self._pages(lambda cur: self._call("user_events", {"id": user_id}, query={"limit": limit, "cursor": cur}), cursor)

    def add_events(self, events: Sequence[Event]) -> EventResult:
        """Stores events durably, all or nothing; they count for the very next request."""
        return self._call("add_events", body=list(events))

    def recommend(self, user_id: str, n: Optional[int] = None, **knobs: Any) -> Recommendations:
        """Recommendations for a user (an unknown user gets the popular list).

        knobs are the route's query parameters: diversity, calibration, long_tail_share,
        session_weight, exposure_strength, session_id, and the lists exclude, category,
        exclude_category, filter and boost.
        """
        unknown = sorted(set(knobs) - set(RECOMMEND_KNOBS))
        if unknown:
            raise TypeError(f"recommend() got unknown knobs {unknown}; it takes {list(RECOMMEND_KNOBS)}")
        return self._call("recommend", {"id": user_id}, query={"n": n, **knobs})

    def recommend_for(self, request: RecommendRequest) -> Recommendations:
        """Recommendations for a user, a session or context items alone (the POST form)."""
        return self._call("recommend_for", body=dict(request))

    def similar(self, item_id: str, n: Optional[int] = None, by: Optional[str] = None, *,
                category: Optional[Sequence[str]] = None) -> Recommendations:
        """Items similar to an item; by is itemknn, cf, content, hybrid or a vector space name."""
        return self._call("similar", {"id": item_id}, query={"n": n, "by": by, "category": category})

    def popular(self, n: Optional[int] = None, *, category: Optional[Sequence[str]] = None) -> Recommendations:
        return self._call("popular", query={"n": n, "category": category})

    def trending(self, n: Optional[int] = None, *, category: Optional[Sequence[str]] = None) -> Recommendations:
        return self._call("trending", query={"n": n, "category": category})

    def query(self, text: str, *, user_id: Optional[str] = None, n: Optional[int] = None,
              explain: Optional[bool] = None, diversity: Optional[float] = None) -> QueryResponse:
        """A natural-language request, answered by the ranking pipeline."""
        body: QueryRequest = {"text": text}
        for k, v in (("user_id", user_id), ("n", n), ("explain", explain), ("diversity", diversity)):
            if v is not None:
                body[k] = v  # type: ignore[literal-required]
        return self._call("query", body=body)

    def spaces(self) -> SpaceList:
        return self._call("spaces")

    def train(self, force: bool = False) -> Model:
        """Trains every model now; without force, an unchanged store answers the served version with skipped true."""
        return self._call("train", query={"force": True if force else None})

    def models(self) -> ModelList:
        return self._call("models")

    def put_experiment(self, experiment: Mapping[str, Any]) -> Experiment:
        """Creates or replaces the experiment experiment["id"] (admin role); answers it with its status."""
        body = {k: v for k, v in experiment.items() if k not in ("created", "status")}
        return self._call("put_experiment", {"id": experiment["id"]}, body=body)

    def get_experiment(self, experiment_id: str) -> Experiment:
        return self._call("get_experiment", {"id": experiment_id})

    def list_experiments(self) -> ExperimentList:
        return self._call("list_experiments")

    def delete_experiment(self, experiment_id: str) -> None:
        self._call("delete_experiment", {"id": experiment_id})

    def experiment_report(self, experiment_id: str) -> ExperimentReport:
        return self._call("experiment_report", {"id": experiment_id})

    @staticmethod
    def _pages(get: Callable[[Optional[str]], Any], cursor: Optional[str]) -> Iterator[Any]:
        while True:
            page = get(cursor)
            yield page
            if not page.get("next_cursor"):
                return
            cursor = page["next_cursor"]

    def _call(self, name: str, params: Optional[Mapping[str, str]] = None, *, query: Optional[Query] = None,
              body: Any = None, raw: Optional[Tuple[str, Union[bytes, Iterator[bytes]]]] = None) -> Any:
        method, path = ROUTES[name].method, ROUTES[name].path
        for k, v in (params or {}).items():
            path = path.replace("{" + k + "}", urllib.parse.quote(v, safe=""))
        headers = {"Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data: Union[None, bytes, Iterator[bytes]] = None
        if raw is not None:
            headers["Content-Type"], data = raw
        elif body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path + _query_string(query), data=data, headers=headers, method=method)
        replayable = data is None or isinstance(data, bytes)
        attempt = 0
        while True:
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as res:
                    payload = res.read()
                    return json.loads(payload) if payload and res.status != 204 else None
            except urllib.error.HTTPError as e:
                payload = e.read()
                if e.code in (429, 503) and replayable and attempt < self.max_retries:
                    time.sleep(retry_delay(e.headers.get("Retry-After"), attempt, self.backoff, self.max_delay))
                    attempt += 1
                    continue
                raise RecdError.from_body(e.code, payload, str(e.reason)) from None
