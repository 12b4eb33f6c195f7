// The JSON shapes of recd's API, written to match the server's /openapi.json. Field names are
// the wire names. Each response type has a Shape below: a value the compiler checks to list
// exactly the type's fields, which the tests compare against the live document.

/** An item of the catalog as the server returns it. */
export interface Item {
  id: string;
  title?: string;
  text?: string;
  categories?: string[];
  tags?: string[];
  attributes?: Record<string, unknown>;
  available?: boolean;
  vectors?: Record<string, number[]>;
  created_at?: string;
  updated_at?: string;
}

/** An item as clients send it; server-set fields (created_at, updated_at) are dropped before sending. */
export type ItemInput = Omit<Item, "created_at" | "updated_at"> & Partial<Pick<Item, "created_at" | "updated_at">>;

/** One page of GET /v1/items; next_cursor is empty on the last page. */
export interface ItemPage {
  items: Item[];
  next_cursor: string;
}

/** The error body's detail: a stable code, a message and, for a bad argument, the field. */
export interface ErrorDetail {
  code: string;
  message: string;
  field?: string;
}

/** The answer to POST /v1/items: how many were stored and which NDJSON lines were rejected. */
export interface BatchResult {
  stored: number;
  rejected?: RejectedLine[];
}

/** One rejected line of an NDJSON batch (lines count from 1). */
export interface RejectedLine {
  line: number;
  id?: string;
  error: ErrorDetail;
}

/** A user as the server returns it. */
export interface User {
  id: string;
  attributes?: Record<string, unknown>;
  created_at?: string;
  updated_at?: string;
}

/** A user as clients send it; server-set fields are dropped before sending. */
export type UserInput = Omit<User, "created_at" | "updated_at"> & Partial<Pick<User, "created_at" | "updated_at">>;

/** An interaction; seq is set by the server, timestamp defaults to the server's clock. */
export interface Event {
  user_id: string;
  item_id: string;
  type: string;
  value?: number;
  timestamp?: string;
  session_id?: string;
  /** The served list the event came from (a response's recommendation_id), and the item's position in it. */
  recommendation_id?: string;
  position?: number;
  seq?: number;
}

/** One page of a user's events, newest first. */
export interface EventPage {
  events: Event[];
  next_cursor: string;
}

/** The answer to POST /v1/events. */
export interface EventResult {
  stored: number;
  first_seq?: number;
  last_seq?: number;
}

/** Why an item was recommended. */
export interface Reason {
  type: string;
  items?: string[];
  category?: string;
  source?: string;
  text?: string;
}

/** One recommended item. */
export interface RecommendedItem {
  id: string;
  score: number;
  title?: string;
  reasons: Reason[];
  /** In an interleaved list: the experiment variant that placed the item. */
  variant?: string;
}

/** A ranked list: recommendations, similar, popular or trending items. */
export interface Recommendations {
  /** Names this served list: send it with a click on one of its items to attribute the click. */
  recommendation_id: string;
  items: RecommendedItem[];
  strategy: string;
  model_version?: string;
  degraded?: boolean;
  /** The running experiment the list was served under, if any. */
  experiment?: string;
  /** The request's variant in that experiment, or "interleaved". */
  variant?: string;
}

/** The answer to a natural-language query. */
export interface QueryResponse {
  query: Record<string, unknown>;
  recommendation_id: string;
  parser: string;
  fallback?: string;
  items: RecommendedItem[];
  strategy: string;
  model_version?: string;
  explanation?: string;
  explanation_source?: string;
  degraded?: boolean;
  matched: boolean;
}

/** A vector space of the index. */
export interface Space {
  name: string;
  dim: number;
  metric: string;
  sparse?: boolean;
  count: number;
}

/** The answer to GET /v1/spaces. */
export interface SpaceList {
  spaces: Space[];
}

/** A saved model version; skipped and reason are set when a train found nothing new. */
export interface Model {
  version: string;
  kind: string;
  created: string;
  size_bytes: number;
  metrics?: Record<string, number>;
  serving: boolean;
  skipped?: boolean;
  reason?: string;
}

/** The answer to GET /v1/admin/models. */
export interface ModelList {
  models: Model[];
}

/** The ranking knobs shared by recommend (query string) and recommendFor (body). */
export interface Knobs {
  diversity?: number;
  calibration?: number;
  long_tail_share?: number;
  session_weight?: number;
  exposure_strength?: number;
}

/** Options of GET /v1/users/{id}/recommendations, named as its query parameters. */
export interface RecommendOptions extends Knobs {
  session_id?: string;
  exclude?: string[];
  category?: string[];
  exclude_category?: string[];
  filter?: string[];
  boost?: string[];
}

/** The body of POST /v1/recommendations. */
export interface RecommendRequest extends Knobs {
  user_id?: string;
  session_id?: string;
  context_items?: string[];
  n?: number;
  exclude?: string[];
  categories?: string[];
  exclude_categories?: string[];
  filters?: string[];
  boosts?: string[];
}

/** Options of POST /v1/query besides the text. */
export interface QueryOptions {
  user_id?: string;
  n?: number;
  explain?: boolean;
  diversity?: number;
}

/** The body of POST /v1/query. */
export interface QueryRequest extends QueryOptions {
  text: string;
}

/**
 * Shape<T> maps every field of T to the name of its nested object type (for an object or a
 * list of objects with fields of their own) or null. An object literal of this type must name
 * every field of T and no other, so a Shape cannot drift from its interface.
 */
export type Shape<T> = { [K in keyof Required<T>]: string | null };

const item: Shape<Item> = {
  id: null, title: null, text: null, categories: null, tags: null, attributes: null,
  available: null, vectors: null, created_at: null, updated_at: null,
};
const errorDetail: Shape<ErrorDetail> = { code: null, message: null, field: null };
const event: Shape<Event> = {
  user_id: null, item_id: null, type: null, value: null, timestamp: null, session_id: null,
  recommendation_id: null, position: null, seq: null,
};
const reason: Shape<Reason> = { type: null, items: null, category: null, source: null, text: null };
const recommendedItem: Shape<RecommendedItem> = { id: null, score: null, title: null, reasons: "Reason", variant: null };
const model: Shape<Model> = {
  version: null, kind: null, created: null, size_bytes: null, metrics: null, serving: null,
  skipped: null, reason: null,
};

/** The query parameters recommend may send besides n, by name. */
export const recommendOptions: Shape<RecommendOptions> = {
  diversity: null, calibration: null, long_tail_share: null, session_weight: null, exposure_strength: null,
  session_id: null, exclude: null, category: null, exclude_category: null, filter: null, boost: null,
};

/** The fields of every request and response type by name, for checking against the server's document. */
export const shapes: Record<string, Record<string, string | null>> = {
  Item: item,
  ItemPage: { items: "Item", next_cursor: null } satisfies Shape<ItemPage>,
  ErrorDetail: errorDetail,
  BatchResult: { stored: null, rejected: "RejectedLine" } satisfies Shape<BatchResult>,
  RejectedLine: { line: null, id: null, error: "ErrorDetail" } satisfies Shape<RejectedLine>,
  User: { id: null, attributes: null, created_at: null, updated_at: null } satisfies Shape<User>,
  Event: event,
  EventPage: { events: "Event", next_cursor: null } satisfies Shape<EventPage>,
  EventResult: { stored: null, first_seq: null, last_seq: null } satisfies Shape<EventResult>,
  Reason: reason,
  RecommendedItem: recommendedItem,
  Recommendations: {
    recommendation_id: null, items: "RecommendedItem", strategy: null, model_version: null, degraded: null,
    experiment: null, variant: null,
  } satisfies Shape<Recommendations>,
  QueryResponse: {
    query: null, recommendation_id: null, parser: null, fallback: null, items: "RecommendedItem", strategy: null,
    model_version: null, explanation: null, explanation_source: null, degraded: null, matched: null,
  } satisfies Shape<QueryResponse>,
  Space: { name: null, dim: null, metric: null, sparse: null, count: null } satisfies Shape<Space>,
  SpaceList: { spaces: "Space" } satisfies Shape<SpaceList>,
  Model: model,
  ModelList: { models: "Model" } satisfies Shape<ModelList>,
  RecommendRequest: {
    user_id: null, session_id: null, context_items: null, n: null, diversity: null, calibration: null,
    long_tail_share: null, session_weight: null, exposure_strength: null, exclude: null, categories: null,
    exclude_categories: null, filters: null, boosts: null,
  } satisfies Shape<RecommendRequest>,
  QueryRequest: { text: null, user_id: null, n: null, explain: null, diversity: null } satisfies Shape<QueryRequest>,
  Experiment: {
    id: null, design: null, unit: null, variants: "ExperimentVariant", start: null, end: null, created: null, status: null,
  } satisfies Shape<Experiment>,
  ExperimentVariant: { name: null, weight: null, overrides: "ExperimentOverrides" } satisfies Shape<ExperimentVariant>,
  ExperimentOverrides: {
    diversity: null, calibration: null, long_tail_share: null, session_weight: null, exposure_strength: null,
    weights: "SourceWeights", sources: null,
  } satisfies Shape<ExperimentOverrides>,
  SourceWeights: {
    itemknn: null, ease: null, cf: null, content: null, popular: null, session: null,
  } satisfies Shape<SourceWeights>,
  ExperimentList: { experiments: "Experiment" } satisfies Shape<ExperimentList>,
  ExperimentReport: {
    experiment: null, design: null, status: null, primary_metric: null, variants: "VariantReport", srm: "SRMCheck",
    interleaving: "InterleavingResult", conclusive: null, reason: null,
  } satisfies Shape<ExperimentReport>,
  VariantReport: {
    name: null, weight: null, users: null, impressions: null, clicks: null, conversions: null, ctr: "Estimate",
    lift: "Estimate", p_value: null,
  } satisfies Shape<VariantReport>,
  Estimate: { value: null, low: null, high: null } satisfies Shape<Estimate>,
  SRMCheck: { chi_square: null, p_value: null, ok: null } satisfies Shape<SRMCheck>,
  InterleavingResult: {
    wins: null, losses: null, ties: null, preference_share: null, p_value: null,
  } satisfies Shape<InterleavingResult>,
};

/** Blend weights by source, 0 to 100 (0 turns a source off). */
export interface SourceWeights {
  itemknn?: number;
  ease?: number;
  cf?: number;
  content?: number;
  popular?: number;
  session?: number;
}

/** The ranking knobs a variant overrides. */
export interface ExperimentOverrides {
  diversity?: number;
  calibration?: number;
  long_tail_share?: number;
  session_weight?: number;
  exposure_strength?: number;
  weights?: SourceWeights;
  sources?: string[];
}

/** One arm of an experiment; the first variant is the control. */
export interface ExperimentVariant {
  name: string;
  weight: number;
  overrides?: ExperimentOverrides;
}

/**
 * An online experiment: design "ab" or "interleaving", unit "user" or "session", start and end
 * in RFC 3339; created and status (scheduled, running, finished) are set by the server.
 */
export interface Experiment {
  id?: string;
  design?: string;
  unit?: string;
  variants: ExperimentVariant[];
  start: string;
  end: string;
  created?: string;
  status?: string;
}

/** The answer to GET /v1/experiments. */
export interface ExperimentList {
  experiments: Experiment[];
}

/** A value with its 95% confidence interval. */
export interface Estimate {
  value: number;
  low: number;
  high: number;
}

/** One variant's counts and per-user CTR; lift and p_value compare it with the control (absent for it). */
export interface VariantReport {
  name: string;
  weight: number;
  users: number;
  impressions: number;
  clicks: number;
  conversions: number;
  ctr: Estimate;
  lift?: Estimate;
  p_value?: number;
}

/** The sample-ratio-mismatch check; ok is false when the traffic split is broken. */
export interface SRMCheck {
  chi_square: number;
  p_value: number;
  ok: boolean;
}

/** The interleaved lists won, lost and tied by the first variant, and the sign test. */
export interface InterleavingResult {
  wins: number;
  losses: number;
  ties: number;
  preference_share: number;
  p_value: number;
}

/** An experiment's report. */
export interface ExperimentReport {
  experiment: string;
  design: string;
  status: string;
  primary_metric: string;
  variants: VariantReport[];
  srm: SRMCheck;
  interleaving?: InterleavingResult;
  conclusive: boolean;
  reason?: string;
}
