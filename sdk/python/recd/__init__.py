"""recd: a small client for the recd recommendation server's REST API (standard library only)."""

from ._client import RECOMMEND_KNOBS, ROUTES, Client, Route
from ._errors import RecdError, retry_delay
from ._types import (
    BatchResult, ErrorDetail, Estimate, Event, EventPage, EventResult, Experiment, ExperimentList, ExperimentOverrides,
    ExperimentReport, ExperimentVariant, InterleavingResult, Item, ItemPage, Model, ModelList, SourceWeights, SRMCheck,
    VariantReport,
    QueryRequest, QueryResponse, Reason, RecommendedItem, RecommendRequest, Recommendations, RejectedLine, Space,
    SpaceList, User,
)

__all__ = [
    "RECOMMEND_KNOBS", "ROUTES", "Client", "Route", "RecdError", "retry_delay", "BatchResult", "ErrorDetail", "Event", "EventPage",
    "EventResult", "Item", "ItemPage", "Model", "ModelList", "QueryRequest", "QueryResponse", "Reason", "RecommendedItem",
    "RecommendRequest", "Recommendations", "RejectedLine", "Space", "SpaceList", "User", "Estimate", "Experiment",
    "ExperimentList", "ExperimentOverrides", "ExperimentReport", "ExperimentVariant", "InterleavingResult",
    "SourceWeights", "SRMCheck", "VariantReport",
]
