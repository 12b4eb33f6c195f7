"""The JSON shapes of recd's API as TypedDicts, written to match the server's /openapi.json.

Field names are the wire names. Every field may be absent (total=False): the server leaves out
empty optional fields. The tests compare each type's fields with the live document.
"""

from typing import Any, Dict, List, TypedDict


class Generated(TypedDict, total=False):
    """An item's generated description; stale when the fields it was written from changed since."""

    text: str
    model: str
    at: str
    fields: List[str]
    source_hash: str
    stale: bool


class GeneratedTextIn(TypedDict, total=False):
    """The body of PUT /v1/items/{id}/generated_text: text and model are required."""

    text: str
    model: str
    fields: List[str]
    source_hash: str


class Item(TypedDict, total=False):
    """An item of the catalog. created_at and updated_at are set by the server and not sent."""

    id: str
    title: str
    text: str
    categories: List[str]
    tags: List[str]
    attributes: Dict[str, Any]
    available: bool
    vectors: Dict[str, List[float]]
    created_at: str
    updated_at: str
    generated: Generated


class ItemPage(TypedDict, total=False):
    """One page of GET /v1/items; next_cursor is empty on the last page."""

    items: List[Item]
    next_cursor: str


class ErrorDetail(TypedDict, total=False):
    """The error body's detail: a stable code, a message and, for a bad argument, the field."""

    code: str
    message: str
    field: str


class RejectedLine(TypedDict, total=False):
    """One rejected line of an NDJSON batch (lines count from 1)."""

    line: int
    id: str
    error: ErrorDetail


class BatchResult(TypedDict, total=False):
    """The answer to POST /v1/items."""

    stored: int
    rejected: List[RejectedLine]


class User(TypedDict, total=False):
    """A user. created_at and updated_at are set by the server and not sent."""

    id: str
    attributes: Dict[str, Any]
    created_at: str
    updated_at: str


class Event(TypedDict, total=False):
    """An interaction; seq is set by the server, timestamp (RFC 3339) defaults to its clock."""

    user_id: str
    item_id: str
    type: str
    value: float
    timestamp: str
    session_id: str
    recommendation_id: str  # the served list the event came from, and the item's position in it
    position: int
    seq: int


class EventPage(TypedDict, total=False):
    """One page of a user's events, newest first."""

    events: List[Event]
    next_cursor: str


class EventResult(TypedDict, total=False):
    """The answer to POST /v1/events."""

    stored: int
    first_seq: int
    last_seq: int


class Reason(TypedDict, total=False):
    """Why an item was recommended."""

    type: str
    items: List[str]
    category: str
    source: str
    text: str


class RecommendedItem(TypedDict, total=False):
    """One recommended item."""

    id: str
    score: float
    title: str
    reasons: List[Reason]
    variant: str  # in an interleaved list: the experiment variant that placed the item


class Recommendations(TypedDict, total=False):
    """A ranked list: recommendations, similar, popular or trending items."""

    recommendation_id: str  # names this served list: send it with a click to attribute the click
    items: List[RecommendedItem]
    strategy: str
    model_version: str
    degraded: bool
    experiment: str  # the running experiment the list was served under, if any
    variant: str  # the request's variant in it, or "interleaved"
    ranker_fallback: str  # "local" or "blend" when the remote ranker failed or timed out
    scorer: str  # what ordered the candidates: "ranker" or "blend"
    model_fallback: str  # why a variant's pinned model version did not serve


class QueryResponse(TypedDict, total=False):
    """The answer to a natural-language query."""

    query: Dict[str, Any]
    recommendation_id: str
    parser: str
    fallback: str
    items: List[RecommendedItem]
    strategy: str
    model_version: str
    explanation: str
    explanation_source: str
    degraded: bool
    matched: bool


class Space(TypedDict, total=False):
    """A vector space of the index."""

    name: str
    dim: int
    metric: str
    sparse: bool
    count: int


class SpaceList(TypedDict, total=False):
    """The answer to GET /v1/spaces."""

    spaces: List[Space]


class PropensityInfo(TypedDict, total=False):
    """Which examination propensities weighted a ranker's online labels: source is swaps, logged or none."""

    source: str
    propensities: List[float]
    swapped_lists: int


class RankerInfo(TypedDict, total=False):
    """A version's learned ranker: whether it serves (it must beat the blend on validation) and why."""

    serving: bool
    reason: str
    valid_ndcg: float
    blend_ndcg: float
    trees: int
    train_groups: int
    valid_groups: int
    train_seconds: float
    features: List[str]
    importance: List[float]
    curve: List[float]
    propensity: PropensityInfo


class TrainLimit(TypedDict, total=False):
    """What a guard did to one model in a training run: skipped (the version serves without it) or limited."""

    model: str
    action: str  # "skipped" or "limited"
    reason: str


class Model(TypedDict, total=False):
    """A saved model version; skipped and reason are set when a train found nothing new."""

    version: str
    kind: str
    created: str
    size_bytes: int
    metrics: Dict[str, float]
    serving: bool
    skipped: bool
    reason: str
    ranker: RankerInfo
    limits: List[TrainLimit]


class ModelList(TypedDict, total=False):
    """The answer to GET /v1/admin/models."""

    models: List[Model]


class OnlineGroup(TypedDict, total=False):
    """One group's online metrics (README, Feedback)."""

    group: str
    impressions: int
    impressed_items: int
    users: int
    clicks: int
    conversions: int
    ctr_at_k: float
    ctr: float
    click_rate: float
    conversion_rate: float
    mrr: float
    position_ctr: List[float]
    distinct_items: int
    coverage: float
    novelty: float
    model_age_seconds: float
    new_items_day: float
    new_items_week: float


class OnlineGap(TypedDict, total=False):
    """The spread of one metric between user groups."""

    highest: str
    high: float
    lowest: str
    low: float
    gap: float
    p_value: float


# The answer to GET /v1/metrics/online; written as a call because "from" is a Python keyword.
OnlineMetrics = TypedDict("OnlineMetrics", {
    "from": str, "to": str, "group_by": str, "experiment": str, "k": int, "truncated": bool, "scanned_to": str,
    "skipped_events": int, "groups": List[OnlineGroup], "largest_gap": Dict[str, OnlineGap],
}, total=False)


class QueryRequest(TypedDict, total=False):
    """The body of POST /v1/query."""

    text: str
    user_id: str
    n: int
    explain: bool
    diversity: float


class RecommendRequest(TypedDict, total=False):
    """The body of POST /v1/recommendations."""

    user_id: str
    session_id: str
    context_items: List[str]
    n: int
    diversity: float
    calibration: float
    long_tail_share: float
    session_weight: float
    exposure_strength: float
    rotation: float
    exclude: List[str]
    categories: List[str]
    exclude_categories: List[str]
    filters: List[str]
    boosts: List[str]


class SourceWeights(TypedDict, total=False):
    """Blend weights by source, 0 to 100 (0 turns a source off)."""

    itemknn: float
    ease: float
    cf: float
    content: float
    popular: float
    session: float


class ExperimentOverrides(TypedDict, total=False):
    """The ranking knobs a variant overrides."""

    diversity: float
    calibration: float
    long_tail_share: float
    session_weight: float
    exposure_strength: float
    weights: SourceWeights
    sources: List[str]
    ranker: bool  # false serves the blend even where a learned ranker exists
    model_version: str  # a saved model version (GET /v1/admin/models) serves the variant


class ExperimentVariant(TypedDict, total=False):
    """One arm of an experiment; the first variant is the control."""

    name: str
    weight: float
    overrides: ExperimentOverrides


class Experiment(TypedDict, total=False):
    """An online experiment: design ab or interleaving, unit user or session, start and end in RFC 3339;
    created and status (scheduled, running, finished) are set by the server."""

    id: str
    design: str
    unit: str
    variants: List[ExperimentVariant]
    start: str
    end: str
    created: str
    status: str


class ExperimentList(TypedDict, total=False):
    """The answer to GET /v1/experiments."""

    experiments: List[Experiment]


class Estimate(TypedDict, total=False):
    """A value with its 95% confidence interval."""

    value: float
    low: float
    high: float


class VariantReport(TypedDict, total=False):
    """One variant's counts and per-user CTR; lift and p_value compare it with the control (absent for it)."""

    name: str
    weight: float
    users: int
    impressions: int
    clicks: int
    conversions: int
    ctr: Estimate
    lift: Estimate
    p_value: float


class SRMCheck(TypedDict, total=False):
    """The sample-ratio-mismatch check; ok is false when the traffic split is broken."""

    chi_square: float
    p_value: float
    ok: bool


class InterleavingResult(TypedDict, total=False):
    """The interleaved lists won, lost and tied by the first variant; per unit, the clicks
    credited to the first variant minus the second, and its t-test."""

    wins: int
    losses: int
    ties: int
    preference_share: float
    users: int
    user_wins: int
    user_losses: int
    difference: Estimate
    p_value: float


class VariantPreview(TypedDict, total=False):
    """One variant's list in an experiment preview."""

    name: str
    strategy: str
    items: List[RecommendedItem]
    model_version: str
    scorer: str
    model_fallback: str


class ExperimentPreview(TypedDict, total=False):
    """A user's list under each variant of an experiment (the operator's preview)."""

    experiment: str
    user_id: str
    variants: List[VariantPreview]


class ExperimentReport(TypedDict, total=False):
    """An experiment's report."""

    experiment: str
    design: str
    status: str
    primary_metric: str
    variants: List[VariantReport]
    srm: SRMCheck
    interleaving: InterleavingResult
    conclusive: bool
    reason: str


class JobProgress(TypedDict, total=False):
    """Where a running job stands."""

    total: int
    done: int
    written: int
    failed: int
    elapsed_seconds: float
    eta_seconds: float


class DescribeFailure(TypedDict, total=False):
    """One item a describe job could not describe; a later job asks again."""

    id: str
    reason: str


class DescribeReport(TypedDict, total=False):
    """A finished describe job's outcome."""

    scanned: int
    fresh: int
    thick: int
    selected: int
    written: int
    failed: int
    failures: List[DescribeFailure]
    requests: int


class Job(TypedDict, total=False):
    """A background job on the server (POST /v1/admin/describe): state, progress, report."""

    id: str
    kind: str
    state: str
    started_at: str
    finished_at: str
    progress: JobProgress
    report: DescribeReport
    error: str
