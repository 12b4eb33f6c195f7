"""RecdError and the retry delay."""

import email.utils
import json
import random
import time
from typing import Optional


class RecdError(Exception):
    """An error answer of the server: the HTTP status and the body's {"error":{"code","message","field"}}.

    field names the bad argument of a 400, when the server knows it, and is None otherwise.
    """

    def __init__(self, status: int, code: str, message: str, field: Optional[str] = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"RecdError(status={self.status}, code={self.code!r}, message={self.message!r}, field={self.field!r})"

    @classmethod
    def from_body(cls, status: int, body: bytes, reason: str = "") -> "RecdError":
        """Reads an error answer; a body that is not recd's error JSON keeps its text as the message."""
        text = body.decode("utf-8", "replace")
        try:
            e = json.loads(text).get("error")
            if isinstance(e, dict) and isinstance(e.get("code"), str):
                field = e.get("field")
                return cls(status, e["code"], str(e.get("message", "")), field if isinstance(field, str) and field else None)
        except (ValueError, AttributeError):
            pass
        return cls(status, f"http_{status}", text.strip() or reason)


def retry_delay(retry_after: Optional[str], attempt: int, backoff: float, max_delay: float, now: Optional[float] = None) -> float:
    """Seconds to wait before retry number attempt (0-based).

    The server's Retry-After (seconds or an HTTP date) when it sent one, otherwise exponential
    backoff from backoff seconds with jitter; never more than max_delay.
    """
    delay = None
    if retry_after:
        try:
            delay = max(0.0, float(retry_after.strip()))
        except ValueError:
            try:
                at = email.utils.parsedate_to_datetime(retry_after).timestamp()
                delay = max(0.0, at - (time.time() if now is None else now))
            except (TypeError, ValueError):
                pass
    if delay is None:
        delay = backoff * 2**attempt * (0.5 + random.random() / 2)
    return min(delay, max_delay)
