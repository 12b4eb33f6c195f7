package service

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
)

// Label splits of the learned ranker's training (RankerOptions.LabelSplit).
const (
	LabelSplitUserTime = "user-time" // each user's latest items are the labels
	LabelSplitRandom   = "random"    // a random share of each user's items are the labels
)

// Ranker backends (RankerOptions.Backend).
const (
	RankerLocal  = "local"  // the ranker training fits scores in process
	RankerRemote = "remote" // an external model server scores (Open Inference Protocol)
)

// RankerOptions configure the learned ranker that training fits after the candidate
// sources (see train_ranker.go).
type RankerOptions struct {
	// Enabled fits the ranker on every training run and serves it when it beats the blend on
	// the run's validation users; false keeps the blend (and ignores a saved ranker).
	Enabled bool `yaml:"enabled"`
	// Features are numeric item attributes the ranker reads as features, beside its own.
	Features []string `yaml:"features"`
	// LabelSplit is how each user's labels are cut from their interactions: user-time (the
	// latest Holdout share, default) or random.
	LabelSplit string `yaml:"label_split"`
	// Holdout is the share of each user's items that become the labels (default 0.2).
	Holdout float64 `yaml:"holdout"`
	// Trees bounds the boosting rounds (early stopping on the validation users ends sooner),
	// and so the trees a served ranker walks for every request: 200 fit the +1 ms serving
	// budget for 300 candidates (BenchmarkPipeline_Ranker in package rank).
	Trees int `yaml:"trees"`
	// Seed fixes the random label split, the validation users and the trees' sampling.
	Seed uint64 `yaml:"seed"`
	// Backend is what scores the ranker's features when serving: local (default), the model
	// training fits, or remote, Remote (an external model server, built by the binary from
	// ranker.remote_url and ranker.remote_model), with the local model, else the blend, as
	// its fallback when it fails or takes longer than RemoteTimeout (default 50ms).
	Backend       string            `yaml:"backend"`
	Remote        rank.RemoteRanker `yaml:"-"`
	RemoteTimeout time.Duration     `yaml:"remote_timeout"`
	// LogFeatures is the share of a user's ranked lists, in [0, 1], whose impression keeps
	// the ranker's feature rows of its items (0, the default: none). A sampled list is ranked
	// afresh, not taken from the response cache.
	LogFeatures float64 `yaml:"log_features"`
	// Labels is what the ranker learns from: offline (default), each user's held-out items;
	// online, the clicks and conversions on the logged lists of the impressions' retention
	// window (LogFeatures), each click weighted by the inverse of its position's examination
	// propensity from the position-CTR curve; or both. Validation stays offline.
	Labels string `yaml:"labels"`
	// Debias weights each online label by the inverse of its position's examination
	// propensity (default true); false trains on the logged clicks as they fell, position
	// bias and all (the baseline the debiasing is measured against).
	Debias bool `yaml:"debias"`
	// PropensitySwaps is the share of the lists logged with feature rows, in [0, 1], that
	// serve their top-ranked item at a uniformly drawn lower position k (swapping places with
	// the item there) for the randomised-swap propensity estimate (0, the default: none).
	// Those lists are slightly worse; with at least 200 of them in the window, training
	// weights the online labels by the swap estimate instead of the logged position-CTR curve.
	PropensitySwaps float64 `yaml:"propensity_swaps"`
	// Ungated serves the fitted ranker even when it loses to the blend on the validation
	// users (its info says so): the simulation's online comparison of rankers, which must
	// serve what it measures. Not a configuration key.
	Ungated bool `yaml:"-"`
	// maxUsers bounds the users a run makes groups of (0: rankerMaxUsers); tests lower it.
	maxUsers int
}

// sampled reports whether one list falls in a sample of the given rate.
func sampled(rate float64) bool { return rate > 0 && rand.Float64() < rate }

// DefaultRankerOptions returns the defaults: on, the per-user time split of 20%, 200 trees.
func DefaultRankerOptions() RankerOptions {
	return RankerOptions{Enabled: true, LabelSplit: LabelSplitUserTime, Holdout: 0.2, Trees: 200, Seed: 1,
		Backend: RankerLocal, RemoteTimeout: rank.DefaultRemoteTimeout, Labels: LabelsOffline, Debias: true}
}

// Validate reports a bad option as a recd.ErrInvalid field error.
func (o RankerOptions) Validate() error {
	if o.LabelSplit != LabelSplitUserTime && o.LabelSplit != LabelSplitRandom {
		return recd.Invalid("label_split", fmt.Sprintf("unknown split %q (user-time, random)", o.LabelSplit))
	}
	if !(o.Holdout > 0 && o.Holdout < 1) {
		return recd.Invalid("holdout", "must be in (0, 1)")
	}
	if o.Trees < 1 || o.Trees > 5000 {
		return recd.Invalid("trees", "must be in [1, 5000]")
	}
	if o.Backend != RankerLocal && o.Backend != RankerRemote {
		return recd.Invalid("backend", fmt.Sprintf("unknown backend %q (local, remote)", o.Backend))
	}
	if o.Backend == RankerRemote && o.Remote == nil {
		return recd.Invalid("remote_url", "the remote backend needs a model server (remote_url and remote_model)")
	}
	if o.RemoteTimeout <= 0 || o.RemoteTimeout > 10*time.Second {
		return recd.Invalid("remote_timeout", "must be in (0, 10s]")
	}
	if o.Labels != LabelsOffline && o.Labels != LabelsOnline && o.Labels != LabelsBoth {
		return recd.Invalid("labels", fmt.Sprintf("unknown labels %q (offline, online, both)", o.Labels))
	}
	if !(o.PropensitySwaps >= 0 && o.PropensitySwaps <= 1) {
		return recd.Invalid("propensity_swaps", "must be in [0, 1]")
	}
	if !(o.LogFeatures >= 0 && o.LogFeatures <= 1) {
		return recd.Invalid("log_features", "must be in [0, 1]")
	}
	if len(o.Features) > 64 {
		return recd.Invalid("features", "at most 64 attributes")
	}
	return nil
}

// withDefaults fills the zero fields other than Enabled, Features and Debias with the defaults.
func (o RankerOptions) withDefaults() RankerOptions {
	d := DefaultRankerOptions()
	if o.LabelSplit == "" {
		o.LabelSplit = d.LabelSplit
	}
	if o.Holdout == 0 {
		o.Holdout = d.Holdout
	}
	if o.Trees == 0 {
		o.Trees = d.Trees
	}
	if o.Labels == "" {
		o.Labels = d.Labels
	}
	if o.Backend == "" {
		o.Backend = d.Backend
	}
	if o.RemoteTimeout == 0 {
		o.RemoteTimeout = d.RemoteTimeout
	}
	return o
}
