/**
 * RecdError is an error answer of the server: the HTTP status and the body's
 * {"error":{"code","message","field"}}. field names the bad argument of a 400, when known.
 */
export class RecdError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = "RecdError";
    this.status = status;
    this.code = code;
    if (field) this.field = field;
  }

  /** fromResponse reads an error answer; a body that is not recd's error JSON keeps its text as the message. */
  static async fromResponse(res: Response): Promise<RecdError> {
    const text = await res.text().catch(() => "");
    try {
      const e = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown; field?: unknown } }).error;
      if (e && typeof e.code === "string") {
        return new RecdError(res.status, e.code, String(e.message ?? ""), typeof e.field === "string" ? e.field : undefined);
      }
    } catch {
      // not JSON: fall through
    }
    return new RecdError(res.status, `http_${res.status}`, text.trim() || res.statusText);
  }
}

/**
 * retryDelay is how long to wait, in milliseconds, before retry number attempt (0-based): the
 * server's Retry-After (seconds or an HTTP date) when it sent one, otherwise exponential
 * backoff from baseMs with jitter; never more than maxMs.
 */
export function retryDelay(retryAfter: string | null, attempt: number, baseMs: number, maxMs: number, now = Date.now()): number {
  let ms: number | undefined;
  if (retryAfter) {
    const secs = Number(retryAfter.trim());
    if (Number.isFinite(secs) && secs >= 0) {
      ms = secs * 1000;
    } else {
      const at = Date.parse(retryAfter);
      if (!Number.isNaN(at)) ms = Math.max(0, at - now);
    }
  }
  if (ms === undefined) ms = baseMs * 2 ** attempt * (0.5 + Math.random() / 2);
  return Math.min(ms, maxMs);
}
