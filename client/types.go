package client

import (
	"reflect"
	"time"

	"github.com/recd/recd"
)

// endpoint is one route of the API as the OpenAPI document names it: method and path
// template. resp is the type its 2xx JSON decodes into (nil for none), req the type of its
// JSON body (nil for none); a test checks all three against /openapi.json.
type endpoint struct {
	method, path string
	req, resp    reflect.Type
}

func typ[T any]() reflect.Type { return reflect.TypeFor[T]() }

// The routes the client calls, one per method of Client.
var (
	epHealth        = endpoint{"GET", "/healthz", nil, typ[Health]()}
	epReady         = endpoint{"GET", "/readyz", nil, typ[Ready]()}
	epPutItem       = endpoint{"PUT", "/v1/items/{id}", typ[itemIn](), typ[recd.Item]()}
	epGetItem       = endpoint{"GET", "/v1/items/{id}", nil, typ[recd.Item]()}
	epDeleteItem    = endpoint{"DELETE", "/v1/items/{id}", nil, nil}
	epListItems     = endpoint{"GET", "/v1/items", nil, typ[itemPage]()}
	epPutItems      = endpoint{"POST", "/v1/items", typ[[]itemIn](), typ[BatchResult]()}
	epSimilar       = endpoint{"GET", "/v1/items/{id}/similar", nil, typ[Recommendations]()}
	epPutUser       = endpoint{"PUT", "/v1/users/{id}", typ[userIn](), typ[recd.User]()}
	epGetUser       = endpoint{"GET", "/v1/users/{id}", nil, typ[recd.User]()}
	epDeleteUser    = endpoint{"DELETE", "/v1/users/{id}", nil, nil}
	epUserEvents    = endpoint{"GET", "/v1/users/{id}/events", nil, typ[eventPage]()}
	epRecommend     = endpoint{"GET", "/v1/users/{id}/recommendations", nil, typ[Recommendations]()}
	epRecommendFor  = endpoint{"POST", "/v1/recommendations", typ[RecommendRequest](), typ[Recommendations]()}
	epQuery         = endpoint{"POST", "/v1/query", typ[queryIn](), typ[QueryResponse]()}
	epSpaces        = endpoint{"GET", "/v1/spaces", nil, typ[spaceList]()}
	epAddEvents     = endpoint{"POST", "/v1/events", typ[[]eventIn](), typ[EventResult]()}
	epPopular       = endpoint{"GET", "/v1/popular", nil, typ[Recommendations]()}
	epTrending      = endpoint{"GET", "/v1/trending", nil, typ[Recommendations]()}
	epTrain         = endpoint{"POST", "/v1/admin/train", nil, typ[Model]()}
	epModels        = endpoint{"GET", "/v1/admin/models", nil, typ[modelList]()}
	epNext          = endpoint{"GET", "/v1/recommendations/{recommendation_id}/next", nil, typ[Recommendations]()}
	epOnlineMetrics = endpoint{"GET", "/v1/metrics/online", nil, typ[OnlineMetrics]()}
	epPutGenerated  = endpoint{"PUT", "/v1/items/{id}/generated_text", typ[GeneratedText](), typ[recd.Item]()}
	epDescribe      = endpoint{"POST", "/v1/admin/describe", nil, typ[Job]()}
	epJob           = endpoint{"GET", "/v1/admin/jobs/{id}", nil, typ[Job]()}

	epPutExperiment     = endpoint{"PUT", "/v1/experiments/{id}", typ[Experiment](), typ[Experiment]()}
	epGetExperiment     = endpoint{"GET", "/v1/experiments/{id}", nil, typ[Experiment]()}
	epListExperiments   = endpoint{"GET", "/v1/experiments", nil, typ[experimentList]()}
	epDeleteExperiment  = endpoint{"DELETE", "/v1/experiments/{id}", nil, nil}
	epExperimentReport  = endpoint{"GET", "/v1/experiments/{id}/report", nil, typ[ExperimentReport]()}
	epPreviewExperiment = endpoint{"GET", "/v1/experiments/{id}/preview", nil, typ[ExperimentPreview]()}

	endpoints = []endpoint{epHealth, epReady, epPutItem, epGetItem, epDeleteItem, epListItems,
		epPutItems, epSimilar, epPutUser, epGetUser, epDeleteUser, epUserEvents, epRecommend, epRecommendFor,
		epQuery, epSpaces, epAddEvents, epPopular, epTrending, epTrain, epModels, epNext, epOnlineMetrics, epPutGenerated, epDescribe, epJob,
		epPutExperiment, epGetExperiment, epListExperiments, epDeleteExperiment, epExperimentReport,
		epPreviewExperiment}
)

// Health is the answer of /healthz: the process is up.
type Health struct {
	Status string `json:"status"`
}

// Ready is the answer of /readyz. Dependencies, Follower and Stats come only to callers with
// an API key (or when authentication is off).
type Ready struct {
	Status       string        `json:"status"` // ready, degraded or not ready
	Reason       string        `json:"reason,omitempty"`
	Degraded     bool          `json:"degraded"`
	Down         []string      `json:"down,omitempty"` // the dependencies that are down
	Dependencies []Dependency  `json:"dependencies,omitempty"`
	Follower     *FollowStatus `json:"follower,omitempty"`
	Stats        *Stats        `json:"stats,omitempty"`
}

// Dependency is one dependency's last known state.
type Dependency struct {
	Name    string    `json:"name"`
	Up      bool      `json:"up"`
	Error   string    `json:"error,omitempty"`
	Since   time.Time `json:"since"`
	Checked time.Time `json:"checked,omitempty"`
}

// FollowStatus is a replica's progress in following what the others write.
type FollowStatus struct {
	LastSync       time.Time `json:"last_sync"`
	LastError      string    `json:"last_error,omitempty"`
	EventSeq       int64     `json:"event_seq"`
	PendingEvents  int       `json:"pending_events"`
	ChangeSeq      int64     `json:"change_seq"`
	VectorSeq      int64     `json:"vector_seq"`
	EventsApplied  int64     `json:"events_applied"`
	ChangesApplied int64     `json:"changes_applied"`
	VectorsApplied int64     `json:"vectors_applied"`
	ModelsLoaded   int64     `json:"models_loaded"`
	Running        bool      `json:"running"`
}

// Stats counts what the server holds.
type Stats struct {
	Items  int `json:"items"`
	Users  int `json:"users"`
	Events int `json:"events"`
}

// BatchResult is the answer to a batch of items: how many were stored and, for NDJSON, the
// lines that were rejected.
type BatchResult struct {
	Stored   int         `json:"stored"`
	Rejected []LineError `json:"rejected,omitempty"`
}

// LineError is one rejected line of an NDJSON batch (numbered from 1).
type LineError struct {
	Line  int       `json:"line"`
	ID    string    `json:"id,omitempty"`
	Error ErrorBody `json:"error"`
}

// ErrorBody is the server's JSON error: a code, a message and the field at fault.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// EventResult is the answer to a batch of events: how many were stored and the store's
// sequence numbers of the first and last.
type EventResult struct {
	Stored   int   `json:"stored"`
	FirstSeq int64 `json:"first_seq,omitempty"`
	LastSeq  int64 `json:"last_seq,omitempty"`
}

// Recommendations is a ranked list: recommendations, similar, popular or trending items.
type Recommendations struct {
	// RecommendationID names this served list: send it with a click or purchase on one of its
	// items (recd.Event.RecommendationID) to attribute the event to the list.
	RecommendationID string                `json:"recommendation_id"`
	Items            []recd.Recommendation `json:"items"`
	Strategy         string                `json:"strategy"`
	ModelVersion     string                `json:"model_version"`
	// Degraded is true when a dependency was down and the list may be less personal.
	Degraded bool `json:"degraded,omitempty"`
	// Experiment and Variant name the running experiment the list was served under and the
	// request's variant ("interleaved": each item then names its own Variant).
	Experiment string `json:"experiment,omitempty"`
	Variant    string `json:"variant,omitempty"`
	// RankerFallback is set when the remote ranker failed or timed out: "local" (the local
	// ranker scored the list) or "blend".
	RankerFallback string `json:"ranker_fallback,omitempty"`
	// Scorer names what ordered the candidates: "ranker" or "blend".
	Scorer string `json:"scorer,omitempty"`
	// ModelFallback says why the request's variant's pinned model version did not serve
	// (ModelVersion names the current one, which did).
	ModelFallback string `json:"model_fallback,omitempty"`
}

// QueryResponse is the answer to a natural-language request.
type QueryResponse struct {
	// Query is the structured query the text was parsed into.
	Query             map[string]any        `json:"query"`
	RecommendationID  string                `json:"recommendation_id"`
	Parser            string                `json:"parser"`
	Fallback          string                `json:"fallback,omitempty"`
	Items             []recd.Recommendation `json:"items"`
	Strategy          string                `json:"strategy"`
	ModelVersion      string                `json:"model_version"`
	Explanation       string                `json:"explanation,omitempty"`
	ExplanationSource string                `json:"explanation_source,omitempty"`
	Degraded          bool                  `json:"degraded,omitempty"`
	// Matched is false when nothing matched the request's own terms and the items are the
	// fallback (popular items, or the user's recommendations).
	Matched bool `json:"matched"`
}

// Space is one vector space of the index.
type Space struct {
	Name   string `json:"name"`
	Dim    int    `json:"dim"`
	Metric string `json:"metric"`
	Sparse bool   `json:"sparse,omitempty"`
	Count  int    `json:"count"`
}

// Model is one saved model version, or the answer of Train.
type Model struct {
	Version   string             `json:"version"`
	Kind      string             `json:"kind"`
	Created   time.Time          `json:"created"`
	SizeBytes int64              `json:"size_bytes"`
	Metrics   map[string]float64 `json:"metrics,omitempty"`
	Serving   bool               `json:"serving"`
	// Skipped is true when Train found nothing changed since this version, which keeps
	// serving; Reason says why.
	Skipped bool   `json:"skipped,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// Ranker is the learned ranker of the version: whether it serves and why.
	Ranker *RankerInfo `json:"ranker,omitempty"`
	// Limits say which models a guard skipped or limited in the served version's training.
	Limits []TrainLimit `json:"limits,omitempty"`
}

// TrainLimit is what a guard did to one model in a training run: Action is "skipped" (the
// version serves without it) or "limited" (trained on less than everything).
type TrainLimit struct {
	Model  string `json:"model"`
	Action string `json:"action"`
	Reason string `json:"reason"`
}

// RankerInfo describes a version's learned ranker: it serves only when its NDCG@10 beat the
// blend's on the training run's validation users.
type RankerInfo struct {
	Serving     bool      `json:"serving"`
	Reason      string    `json:"reason"`
	ValidNDCG   float64   `json:"valid_ndcg,omitempty"`
	BlendNDCG   float64   `json:"blend_ndcg,omitempty"`
	Trees       int       `json:"trees,omitempty"`
	TrainGroups int       `json:"train_groups,omitempty"`
	ValidGroups int       `json:"valid_groups,omitempty"`
	Seconds     float64   `json:"train_seconds,omitempty"`
	Features    []string  `json:"features,omitempty"`
	Importance  []float64 `json:"importance,omitempty"`
	Curve       []float64 `json:"curve,omitempty"`
	// Propensity says what weighted the ranker's online labels (nil for offline labels).
	Propensity *PropensityInfo `json:"propensity,omitempty"`
}

// PropensityInfo is which examination propensities weighted a ranker's online labels:
// Source is swaps (the randomised-swap estimate), logged (the position-CTR curve) or none.
type PropensityInfo struct {
	Source       string    `json:"source"`
	Propensities []float64 `json:"propensities,omitempty"`
	SwappedLists int       `json:"swapped_lists"`
}

// The envelopes of lists, internal: the methods return their contents.
type (
	itemPage struct {
		Items      []recd.Item `json:"items"`
		NextCursor string      `json:"next_cursor"`
	}
	eventPage struct {
		Events     []recd.Event `json:"events"`
		NextCursor string       `json:"next_cursor"`
	}
	spaceList struct {
		Spaces []Space `json:"spaces"`
	}
	modelList struct {
		Models []Model `json:"models"`
	}
)
