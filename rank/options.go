package rank

import "time"

// Options are the pipeline's defaults; requests override the per-request knobs.
type Options struct {
	// SourceK bounds each candidate source of a plain request; RerankSourceK replaces it when
	// a re-ranking stage (diversity, calibration, long-tail share, session or exposure boost)
	// is on and needs a wider choice. Pool bounds the blended candidates those stages choose
	// from.
	SourceK int `json:"source_k" yaml:"source_k"`
	// Normalisation maps each source's scores onto [0, 1] before the blend: minmax
	// (default), max or rank.
	Normalisation Normalisation `json:"normalisation" yaml:"normalisation"`
	RerankSourceK int           `json:"rerank_source_k" yaml:"rerank_source_k"`
	Pool          int           `json:"pool" yaml:"pool"`
	// RankedCFK, when positive, is the CF source's depth for a request the learned ranker
	// ranks (0, the default: SourceK, as for the blend). The ranker scores only the items
	// item-kNN, EASE or popularity proposed and does not read the CF source's scores, so for
	// such a request the CF list gives reasons and a share of the blend order the cold-item
	// slot's place is taken from. A shallower CF list saves CPU at a cost in that place (see
	// docs/scale.md); the content source keeps its depth, as it finds the cold items.
	RankedCFK int `json:"ranked_cf_k" yaml:"ranked_cf_k"`
	// Weights of the candidate sources in the blend (itemknn, cf, content, popular, session).
	Weights map[string]float64 `json:"weights" yaml:"weights"`
	// FewEvents: users with fewer positive items than this get the content bootstrap.
	FewEvents int `json:"few_events" yaml:"few_events"`
	// ItemWarmEvents: items with fewer interactions lean on their content score, the more the
	// colder they are; ColdItemBoost is the most that lean adds (for an item with no events and
	// a perfect content match, on the blend's [0, 1] scale).
	ItemWarmEvents int     `json:"item_warm_events" yaml:"item_warm_events"`
	ColdItemBoost  float64 `json:"cold_item_boost" yaml:"cold_item_boost"`
	ColdItemSlots  int     `json:"cold_item_slots" yaml:"cold_item_slots"`
	// ProfileItems is how many of the newest positive history items build the content profile.
	ProfileItems int `json:"profile_items" yaml:"profile_items"`
	// SourceHistory is how many of the newest positive history items the history sources
	// (item-kNN, EASE, the CF fold-in) read; the whole history is still excluded from the
	// list. It bounds a cold request's work for users with thousands of events, whose sources
	// otherwise cost time in proportion to their history (0: the whole history).
	SourceHistory int `json:"source_history" yaml:"source_history"`
	// SessionN and SessionWeight are the session boost's defaults.
	SessionN      int     `json:"session_n" yaml:"session_n"`
	SessionWeight float64 `json:"session_weight" yaml:"session_weight"`
	// Diversity, Calibration and LongTailShare are the defaults of the re-ranking stages
	// (0 turns a stage off); CalibrationHalfLife weighs history recency for calibration.
	Diversity           float64       `json:"diversity" yaml:"diversity"`
	Calibration         float64       `json:"calibration" yaml:"calibration"`
	LongTailShare       float64       `json:"long_tail_share" yaml:"long_tail_share"`
	CalibrationHalfLife time.Duration `json:"calibration_half_life" yaml:"calibration_half_life"`
	// ExposureStrength is the default amortised exposure boost (0: off).
	ExposureStrength float64 `json:"exposure_strength" yaml:"exposure_strength"`
	// Rotation in [0, 1] is the default rotation (0: off): an item shown to a user count times
	// without an interaction since scores (1-Rotation)^(count-1) of its score (Rotate).
	// RotationHalfLife is how fast those counts decay back (the service keeps them).
	Rotation         float64       `json:"rotation" yaml:"rotation"`
	RotationHalfLife time.Duration `json:"rotation_half_life" yaml:"rotation_half_life"`
	// RerankPool is how many of the best candidates MMR and calibration choose from (0: the
	// whole Pool); the rest stay behind for the long-tail share.
	RerankPool int `json:"rerank_pool" yaml:"rerank_pool"`
	// DiversityRelevance and CalibrationRelevance put candidate scores on the [0, 1] scale
	// of the similarity and KL terms (minmax or rank, see RelevanceScale) for MMR and for
	// calibration alone; with both on, MMR's scale is used. The defaults (minmax for MMR,
	// rank for calibration) give each the better NDCG at equal ILD or KL on MovieLens, and
	// minmax the better NDCG with both on (docs/evaluation.md).
	DiversityRelevance   RelevanceScale `json:"diversity_relevance" yaml:"diversity_relevance"`
	CalibrationRelevance RelevanceScale `json:"calibration_relevance" yaml:"calibration_relevance"`
	// DiversityCategoryWeight in [0, 1] is the share of category overlap (CategorySimilarity)
	// in the similarity MMR diversifies by; the rest is the cosine of content vectors. Lists
	// are judged "all the same kind" by their categories first, which vectors blur.
	DiversityCategoryWeight float64 `json:"diversity_category_weight" yaml:"diversity_category_weight"`
	// DiversityCFWeight in [0, 1] is the share of the cosine of the items' CF vectors (the
	// ALS factors: "liked by the same people") in that similarity; category and CF weights
	// add up to at most 1 and the content cosine takes what is left.
	DiversityCFWeight float64 `json:"diversity_cf_weight" yaml:"diversity_cf_weight"`
	// BlendOnly keeps the hand-weighted blend as the scorer even when the models hold a
	// learned ranker; RankerAttributes are the numeric item attributes the learned ranker
	// reads as features (see FeatureSet). The service sets both from its ranker options.
	BlendOnly        bool     `json:"-" yaml:"-"`
	RankerAttributes []string `json:"-" yaml:"-"`
	// Remote, when set, scores the learned ranker's features outside the process
	// (ranker.backend remote) within RemoteTimeout (0: DefaultRemoteTimeout); when it fails
	// the local Ranker scores, or the blend without one, and Response.RankerFallback says so.
	Remote        RemoteRanker  `json:"-" yaml:"-"`
	RemoteTimeout time.Duration `json:"-" yaml:"-"`
	// ExactCF scores the CF source exactly over the models' own item factors whatever the
	// catalog size, instead of searching the index: a pinned older model version, whose
	// factors are not the ones the index holds.
	ExactCF bool `json:"-" yaml:"-"`
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{SourceK: 200, RerankSourceK: 200, Pool: 1000, FewEvents: 5, ItemWarmEvents: 3, ColdItemBoost: 1, ColdItemSlots: 1, ProfileItems: 50, SourceHistory: 2000,
		SessionN: DefaultSessionN, SessionWeight: DefaultSessionWeight, CalibrationHalfLife: 90 * 24 * time.Hour, RotationHalfLife: 24 * time.Hour,
		RerankPool: 200, DiversityRelevance: RelevanceMinMax, CalibrationRelevance: RelevanceRank, DiversityCategoryWeight: 0.75,
		Weights: map[string]float64{"itemknn": 0.3, "ease": 2, "cf": 0.5, "content": 0.1, "popular": 0.02, "session": 1}}
}

// pick returns *v, or def when v is nil (a per-request knob the request leaves to the
// pipeline's default).
func pick(v *float64, def float64) float64 {
	if v != nil {
		return *v
	}
	return def
}
