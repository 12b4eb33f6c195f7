package service

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"time"

	"github.com/recd/recd/embed"
	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
)

// artifactKind is the kind of the artifact holding a whole serving bundle.
const artifactKind = "bundle"

// bundleFormat is bumped whenever bundle's encoding changes; artifacts older than
// minBundleFormat are retrained. Format 3 packs the items' times (rank.ItemTimes.Pack) and
// saves ALS without its user vectors, which a decoded model never read; this binary still
// reads format 2, and one that reads only 2 refuses 3 rather than serve without times.
const (
	bundleFormat    = 3
	minBundleFormat = 2
)

// bundle is what a training run saves: every model of one version.
type bundle struct {
	Format  int
	Version string
	Created time.Time
	Items   []string
	Counts  []int32
	Pop     *model.Popularity
	KNN     *model.ItemKNN
	ALS     *model.ALS          // nil when there were no interactions
	EASE    *model.EASE         // nil when the catalog is too large to invert
	Content *embed.ContentModel // nil when the catalog has no text
	Proj    *embed.Projection   // nil when too few items have both content and CF vectors
	Stats   TrainStats
	// Times are the items' interaction times (the ranker's recency features); Ranker the
	// encoded learned ranker (nil: the blend serves) and RankerInfo why. All nil when the
	// ranker is off.
	Times      *rank.ItemTimes
	Ranker     []byte
	RankerInfo *RankerInfo
	// Limits are what the run's guards limited or skipped (nil: nothing).
	Limits []TrainLimit
}

// TrainStats describe a training run.
type TrainStats struct {
	Users     int     `json:"users"`
	Items     int     `json:"items"`
	Events    int     `json:"events"`
	NNZ       int     `json:"interactions"`
	Neighbors int     `json:"neighbors"`
	Factors   int     `json:"factors"`
	Vocab     int     `json:"vocabulary"`
	Seconds   float64 `json:"train_seconds"`
	// Input is the store's state the run started from (not in the JSON; in the metrics).
	Input inputMark `json:"-"`
}

// ModelInfo describes a model version.
type ModelInfo struct {
	Version string             `json:"version"`
	Kind    string             `json:"kind"`
	Created time.Time          `json:"created"`
	Size    int64              `json:"size_bytes"`
	Metrics map[string]float64 `json:"metrics,omitempty"`
	Serving bool               `json:"serving"`
	// Skipped and Reason are set by a training call that wrote nothing because nothing
	// changed since the version described, which keeps serving.
	Skipped bool   `json:"skipped,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// Ranker says, for the version being served, whether its learned ranker serves and why.
	Ranker *RankerInfo `json:"ranker,omitempty"`
	// Limits say, for the version being served, which models a guard skipped or limited in
	// its training and why; absent when none was.
	Limits []TrainLimit `json:"limits,omitempty"`
}

func (t TrainStats) metrics() map[string]float64 {
	m := map[string]float64{"users": float64(t.Users), "items": float64(t.Items), "events": float64(t.Events),
		"interactions": float64(t.NNZ), "neighbors": float64(t.Neighbors), "factors": float64(t.Factors),
		"vocabulary": float64(t.Vocab), "train_seconds": t.Seconds}
	t.Input.addTo(m)
	return m
}

// decodeBundle decodes a saved bundle and checks that this binary can serve it.
func decodeBundle(art store.Artifact) (*bundle, error) {
	var bd bundle
	if err := gob.NewDecoder(bytes.NewReader(art.Blob)).Decode(&bd); err != nil {
		return nil, fmt.Errorf("decode model %s: %w", art.Version, err)
	}
	if bd.Format < minBundleFormat || bd.Format > bundleFormat || bd.Pop == nil || bd.KNN == nil || len(bd.KNN.Neighbors) != len(bd.Items) ||
		len(bd.Counts) != len(bd.Items) {
		return nil, fmt.Errorf("model %s has format %d, this binary serves %d to %d", art.Version, bd.Format, minBundleFormat, bundleFormat)
	}
	if err := bd.Times.Unpack(); err != nil {
		return nil, fmt.Errorf("decode model %s: %w", art.Version, err)
	}
	return &bd, nil
}

// badBundle is a published bundle this binary cannot serve; it is not retried.
type badBundle struct{ err error }

func (e badBundle) Error() string { return e.err.Error() }
func (e badBundle) Unwrap() error { return e.err }
