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
  /** The description a language model wrote (set through putGeneratedText); read-only. */
  generated?: Generated;
}

/** An item's generated description; stale when the fields it was written from changed since. */
export interface Generated {
  text: string;
  model: string;
  at: string;
  fields: string[];
  source_hash: string;
  stale: boolean;
}

/** The body of PUT /v1/items/{id}/generated_text. */
export interface GeneratedTextIn {
  text: string;
  model: string;
  fields?: string[];
  source_hash?: string;
}

/** A background job on the server (POST /v1/admin/describe), with its progress and report. */
export interface Job {
  id: string;
  kind: string;
  state: "running" | "done" | "failed" | "cancelled";
  started_at: string;
  finished_at?: string;
  progress: JobProgress;
  report?: DescribeReport;
  error?: string;
}

/** Where a running job stands. */
export interface JobProgress {
  total: number;
  done: number;
  written: number;
  failed: number;
  elapsed_seconds: number;
  eta_seconds: number;
}

/** A finished describe job's outcome. */
export interface DescribeReport {
  scanned: number;
  fresh: number;
  thick: number;
  selected: number;
  written: number;
  failed: number;
  failures?: { id: string; reason: string }[];
  requests: number;
}

/** An item as clients send it; server-set fields (created_at, updated_at, generated) are dropped before sending. */
export type ItemInput = Omit<Item, "created_at" | "updated_at" | "generated"> &
  Partial<Pick<Item, "created_at" | "updated_at" | "generated">>;

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
  /** "local" or "blend" when the remote ranker failed or timed out. */
  ranker_fallback?: string;
  /** What ordered the candidates: "ranker" or "blend". */
  scorer?: string;
  /** Why a variant's pinned model version did not serve (the current one did). */
  model_fallback?: string;
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
  /** The version's learned ranker: whether it serves (it must beat the blend on validation) and why. */
  ranker?: RankerInfo;
  /** Which models a guard skipped or limited in the served version's training, and why. */
  limits?: TrainLimit[];
}

/** What a guard did to one model in a training run. */
export interface TrainLimit {
  model: string;
  /** "skipped": the version serves without it; "limited": trained on less than everything. */
  action: "skipped" | "limited";
  reason: string;
}

/** A version's learned ranker. */
export interface RankerInfo {
  serving: boolean;
  reason: string;
  valid_ndcg?: number;
  blend_ndcg?: number;
  trees?: number;
  train_groups?: number;
  valid_groups?: number;
  train_seconds?: number;
  features?: string[];
  importance?: number[];
  curve?: number[];
  /** What weighted the ranker's online labels (absent for offline labels). */
  propensity?: PropensityInfo;
}

/** Which examination propensities weighted a ranker's online labels: source is swaps (the randomised-swap estimate), logged (the position-CTR curve) or none. */
export interface PropensityInfo {
  source: string;
  propensities?: number[];
  swapped_lists: number;
}

/** The answer to GET /v1/admin/models. */
export interface ModelList {
  models: Model[];
}

/** Parameters of GET /v1/metrics/online, named as its query parameters. */
export interface OnlineMetricsOptions {
  /** RFC 3339 or Unix seconds; default 24 h before to. */
  from?: string;
  /** RFC 3339 or Unix seconds; default now. */
  to?: string;
  /** variant, strategy, model_version, route or user.<attribute>. */
  group_by?: string;
  experiment?: string;
  k?: number;
}

/** One group's online metrics (README, Feedback). */
export interface OnlineGroup {
  group: string;
  impressions: number;
  impressed_items: number;
  users: number;
  clicks: number;
  conversions: number;
  ctr_at_k: number;
  ctr: number;
  click_rate: number;
  conversion_rate: number;
  mrr: number;
  position_ctr: number[];
  distinct_items: number;
  coverage?: number;
  novelty?: number;
  model_age_seconds?: number;
  new_items_day?: number;
  new_items_week?: number;
}

/** The spread of one metric between user groups. */
export interface OnlineGap {
  highest: string;
  high: number;
  lowest: string;
  low: number;
  gap: number;
  p_value?: number;
}

/** The answer to GET /v1/metrics/online. */
export interface OnlineMetrics {
  from: string;
  to: string;
  group_by: string;
  experiment?: string;
  k: number;
  truncated: boolean;
  scanned_to?: string;
  skipped_events: number;
  groups: OnlineGroup[];
  largest_gap?: Record<string, OnlineGap>;
}

/** The ranking knobs shared by recommend (query string) and recommendFor (body). */
export interface Knobs {
  diversity?: number;
  calibration?: number;
  long_tail_share?: number;
  session_weight?: number;
  exposure_strength?: number;
  rotation?: number;
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
  available: null, vectors: null, created_at: null, updated_at: null, generated: "Generated",
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
  skipped: null, reason: null, ranker: "RankerInfo", limits: "TrainLimit",
};

/** The query parameters recommend may send besides n, by name. */
export const recommendOptions: Shape<RecommendOptions> = {
  diversity: null, calibration: null, long_tail_share: null, session_weight: null, exposure_strength: null,
  rotation: null, session_id: null, exclude: null, category: null, exclude_category: null, filter: null, boost: null,
};

/** The fields of every request and response type by name, for checking against the server's document. */
export const shapes: Record<string, Record<string, string | null>> = {
  Item: item,
  Generated: { text: null, model: null, at: null, fields: null, source_hash: null, stale: null } satisfies Shape<Generated>,
  GeneratedTextIn: { text: null, model: null, fields: null, source_hash: null } satisfies Shape<GeneratedTextIn>,
  Job: {
    id: null, kind: null, state: null, started_at: null, finished_at: null, progress: "JobProgress",
    report: "DescribeReport", error: null,
  } satisfies Shape<Job>,
  JobProgress: {
    total: null, done: null, written: null, failed: null, elapsed_seconds: null, eta_seconds: null,
  } satisfies Shape<JobProgress>,
  DescribeReport: {
    scanned: null, fresh: null, thick: null, selected: null, written: null, failed: null,
    failures: "DescribeFailure", requests: null,
  } satisfies Shape<DescribeReport>,
  DescribeFailure: { id: null, reason: null },
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
    experiment: null, variant: null, ranker_fallback: null, scorer: null, model_fallback: null,
  } satisfies Shape<Recommendations>,
  QueryResponse: {
    query: null, recommendation_id: null, parser: null, fallback: null, items: "RecommendedItem", strategy: null,
    model_version: null, explanation: null, explanation_source: null, degraded: null, matched: null,
  } satisfies Shape<QueryResponse>,
  Space: { name: null, dim: null, metric: null, sparse: null, count: null } satisfies Shape<Space>,
  SpaceList: { spaces: "Space" } satisfies Shape<SpaceList>,
  Model: model,
  RankerInfo: {
    serving: null, reason: null, valid_ndcg: null, blend_ndcg: null, trees: null, train_groups: null, valid_groups: null,
    train_seconds: null, features: null, importance: null, curve: null, propensity: "PropensityInfo",
  } satisfies Shape<RankerInfo>,
  TrainLimit: { model: null, action: null, reason: null } satisfies Shape<TrainLimit>,
  PropensityInfo: { source: null, propensities: null, swapped_lists: null } satisfies Shape<PropensityInfo>,
  ModelList: { models: "Model" } satisfies Shape<ModelList>,
  OnlineMetrics: {
    from: null, to: null, group_by: null, experiment: null, k: null, truncated: null, scanned_to: null,
    skipped_events: null, groups: "OnlineGroup", largest_gap: null,
  } satisfies Shape<OnlineMetrics>,
  OnlineGroup: {
    group: null, impressions: null, impressed_items: null, users: null, clicks: null, conversions: null, ctr_at_k: null,
    ctr: null, click_rate: null, conversion_rate: null, mrr: null, position_ctr: null, distinct_items: null,
    coverage: null, novelty: null, model_age_seconds: null, new_items_day: null, new_items_week: null,
  } satisfies Shape<OnlineGroup>,
  RecommendRequest: {
    user_id: null, session_id: null, context_items: null, n: null, diversity: null, calibration: null,
    long_tail_share: null, session_weight: null, exposure_strength: null, rotation: null, exclude: null,
    categories: null, exclude_categories: null, filters: null, boosts: null,
  } satisfies Shape<RecommendRequest>,
  QueryRequest: { text: null, user_id: null, n: null, explain: null, diversity: null } satisfies Shape<QueryRequest>,
  Experiment: {
    id: null, design: null, unit: null, variants: "ExperimentVariant", start: null, end: null, created: null, status: null,
  } satisfies Shape<Experiment>,
  ExperimentVariant: { name: null, weight: null, overrides: "ExperimentOverrides" } satisfies Shape<ExperimentVariant>,
  ExperimentOverrides: {
    diversity: null, calibration: null, long_tail_share: null, session_weight: null, exposure_strength: null,
    weights: "SourceWeights", sources: null, ranker: null, model_version: null,
  } satisfies Shape<ExperimentOverrides>,
  SourceWeights: {
    itemknn: null, ease: null, cf: null, content: null, popular: null, session: null,
  } satisfies Shape<SourceWeights>,
  ExperimentList: { experiments: "Experiment" } satisfies Shape<ExperimentList>,
  ExperimentPreview: { experiment: null, user_id: null, variants: "VariantPreview" } satisfies Shape<ExperimentPreview>,
  VariantPreview: {
    name: null, strategy: null, items: "RecommendedItem", model_version: null, scorer: null, model_fallback: null,
  } satisfies Shape<VariantPreview>,
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
    wins: null, losses: null, ties: null, preference_share: null, users: null, user_wins: null, user_losses: null,
    difference: "Estimate", p_value: null,
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
  /** false serves the hand-weighted blend even where a learned ranker exists. */
  ranker?: boolean;
  /** A saved model version (GET /v1/admin/models) that serves the variant. */
  model_version?: string;
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

/**
 * The interleaved lists won, lost and tied by the first variant; per unit, the clicks credited
 * to the first variant minus the second (difference), and its t-test (p_value).
 */
export interface InterleavingResult {
  wins: number;
  losses: number;
  ties: number;
  preference_share: number;
  users: number;
  user_wins: number;
  user_losses: number;
  difference: Estimate;
  p_value: number;
}

/** One variant's list in an experiment preview. */
export interface VariantPreview {
  name: string;
  strategy: string;
  items: RecommendedItem[];
  model_version?: string;
  scorer?: string;
  model_fallback?: string;
}

/** A user's list under each variant of an experiment (the operator's preview). */
export interface ExperimentPreview {
  experiment: string;
  user_id: string;
  variants: VariantPreview[];
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
