"""recd: a small client for the recd recommendation server's REST API (standard library only)."""

from ._client import RECOMMEND_KNOBS, ROUTES, Client, Route
from ._errors import RecdError, retry_delay
from ._types import (
    BatchResult, DescribeFailure, DescribeReport, ErrorDetail, Event, EventPage, EventResult, Generated,
    GeneratedTextIn, Item, ItemPage, Job, JobProgress, Model, ModelList,
    QueryRequest, QueryResponse, Reason, RecommendedItem, RecommendRequest, Recommendations, RejectedLine, Space,
    SpaceList, User,
)

__all__ = [
    "RECOMMEND_KNOBS", "ROUTES", "Client", "Route", "RecdError", "retry_delay", "BatchResult", "ErrorDetail", "Event", "EventPage",
    "EventResult", "Item", "ItemPage", "Model", "ModelList", "QueryRequest", "QueryResponse", "Reason", "RecommendedItem",
    "RecommendRequest", "Recommendations", "RejectedLine", "Space", "SpaceList", "User", "DescribeFailure",
    "DescribeReport", "Generated", "GeneratedTextIn", "Job", "JobProgress",
]
