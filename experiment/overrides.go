package experiment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/recd/recd"
)

// Overrides are a variant's ranking knobs as the client wrote them: a JSON object whose keys
// are the names of Knobs' fields. Knobs parses and range-checks them.
type Overrides map[string]json.RawMessage

// Sources are the candidate sources whose blend weight a variant may set, or which it may
// keep alone with "sources".
var Sources = []string{"itemknn", "ease", "cf", "content", "popular", "session"}

// MaxSourceWeight bounds a blend weight, as rank.weights is bounded in the configuration.
const MaxSourceWeight = 100

// Knobs are what a variant changes in a recommendation request. A nil field leaves the
// request's own value (or the configured default).
type Knobs struct {
	// The re-ranking knobs, in the ranges a request's own have: diversity, calibration,
	// long_tail_share and session_weight in [0, 1], exposure_strength in [0, 10].
	Diversity, Calibration, LongTailShare, SessionWeight, ExposureStrength *float64
	// Weights sets blend weights by source (0 turns a source off); Sources keeps only the
	// sources named (every other source weighs 0). Both may be given; Weights applies to the
	// sources kept.
	Weights map[string]float64
	Sources []string
	// Ranker, when set to false, serves the hand-weighted blend even where a learned ranker
	// model exists; nil or true keeps the default scorer.
	Ranker *bool
	// ModelVersion, when set, serves the variant from that saved model version (its sources
	// and its ranker) instead of the current one; "" serves the current one.
	ModelVersion string
}

// MaxPinnedVersions is how many distinct model versions one experiment's variants may pin:
// each pinned version holds its models in memory beside the current one.
const MaxPinnedVersions = 2

// maxVersionLength bounds a model_version override.
const maxVersionLength = 64

// unitKnob is a knob's key and its upper bound (the lower is 0).
type unitKnob struct {
	key string
	hi  float64
	dst func(*Knobs) **float64
}

var floatKnobs = []unitKnob{
	{"diversity", 1, func(k *Knobs) **float64 { return &k.Diversity }},
	{"calibration", 1, func(k *Knobs) **float64 { return &k.Calibration }},
	{"long_tail_share", 1, func(k *Knobs) **float64 { return &k.LongTailShare }},
	{"session_weight", 1, func(k *Knobs) **float64 { return &k.SessionWeight }},
	{"exposure_strength", 10, func(k *Knobs) **float64 { return &k.ExposureStrength }},
}

// Keys lists the override keys a variant may set.
func Keys() []string {
	keys := []string{"weights", "sources", "model_version", "ranker"}
	for _, k := range floatKnobs {
		keys = append(keys, k.key)
	}
	sort.Strings(keys)
	return keys
}

// Knobs parses the overrides; an error names the key at fault as field.key
// (variants[1].overrides.foo). A key outside Keys, a value of the wrong type or out of its
// range is an error. Whether a model_version names a saved version is the server's check.
func (o Overrides) Knobs(field string) (Knobs, error) {
	var k Knobs
	keys := make([]string, 0, len(o))
	for key := range o {
		keys = append(keys, key)
	}
	sort.Strings(keys) // the first bad key in a stable order
	for _, key := range keys {
		if err := k.set(field+"."+key, key, o[key]); err != nil {
			return Knobs{}, err
		}
	}
	return k, nil
}

// set parses one override into k.
func (k *Knobs) set(field, key string, raw json.RawMessage) error {
	for _, f := range floatKnobs {
		if f.key != key {
			continue
		}
		var v float64
		if err := strictDecode(raw, &v); err != nil {
			return recd.Invalid(field, "must be a number")
		}
		if !(v >= 0 && v <= f.hi) {
			return recd.Invalid(field, fmt.Sprintf("must be between 0 and %g", f.hi))
		}
		*f.dst(k) = &v
		return nil
	}
	switch key {
	case "weights":
		return k.setWeights(field, raw)
	case "sources":
		return k.setSources(field, raw)
	case "ranker":
		var on bool
		if err := strictDecode(raw, &on); err != nil {
			return recd.Invalid(field, "must be true or false")
		}
		k.Ranker = &on
		return nil
	case "model_version":
		var v string
		if err := strictDecode(raw, &v); err != nil || v == "" || len(v) > maxVersionLength {
			return recd.Invalid(field, fmt.Sprintf("must be a model version id of 1 to %d characters (GET /v1/admin/models lists them)", maxVersionLength))
		}
		k.ModelVersion = v
		return nil
	}
	return recd.Invalid(field, fmt.Sprintf("is not an override; the keys are %v", Keys()))
}

func (k *Knobs) setWeights(field string, raw json.RawMessage) error {
	var w map[string]float64
	if err := strictDecode(raw, &w); err != nil || w == nil {
		return recd.Invalid(field, "must be an object of numbers by source")
	}
	for src, v := range w {
		if !slices.Contains(Sources, src) {
			return recd.Invalid(field+"."+src, fmt.Sprintf("is not a source; the sources are %v", Sources))
		}
		if !(v >= 0 && v <= MaxSourceWeight) {
			return recd.Invalid(field+"."+src, fmt.Sprintf("must be between 0 and %d", MaxSourceWeight))
		}
	}
	k.Weights = w
	return nil
}

func (k *Knobs) setSources(field string, raw json.RawMessage) error {
	var s []string
	if err := strictDecode(raw, &s); err != nil {
		return recd.Invalid(field, "must be an array of source names")
	}
	if len(s) == 0 || len(s) > len(Sources) {
		return recd.Invalid(field, fmt.Sprintf("must name 1 to %d sources", len(Sources)))
	}
	for i, src := range s {
		if !slices.Contains(Sources, src) {
			return recd.Invalid(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("is not a source; the sources are %v", Sources))
		}
		if slices.Contains(s[:i], src) {
			return recd.Invalid(fmt.Sprintf("%s[%d]", field, i), "is named twice")
		}
	}
	k.Sources = s
	return nil
}

// strictDecode decodes one JSON value, refusing null.
func strictDecode(raw json.RawMessage, v any) error {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return fmt.Errorf("null")
	}
	return json.Unmarshal(raw, v)
}

// BlendWeights returns the blend weights the knobs set, or nil when they set none: the
// named weights, and with Sources every other source at 0.
func (k *Knobs) BlendWeights() map[string]float64 {
	if k.Weights == nil && k.Sources == nil {
		return nil
	}
	w := make(map[string]float64, len(Sources))
	if k.Sources != nil {
		for _, src := range Sources {
			if !slices.Contains(k.Sources, src) {
				w[src] = 0
			}
		}
	}
	for src, v := range k.Weights {
		if _, off := w[src]; !off {
			w[src] = v
		}
	}
	return w
}

// BlendOnly says whether the knobs turn the learned ranker off.
func (k *Knobs) BlendOnly() bool { return k.Ranker != nil && !*k.Ranker }

// PinnedVersions returns the distinct model versions the experiment's variants pin, in
// variant order; Validate bounds them by MaxPinnedVersions.
func (e *Experiment) PinnedVersions() []string {
	var out []string
	for _, v := range e.Variants {
		var s string
		if raw, ok := v.Overrides["model_version"]; ok && json.Unmarshal(raw, &s) == nil && s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
