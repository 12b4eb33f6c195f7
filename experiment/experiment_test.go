package experiment

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd"
)

func valid() Experiment {
	return Experiment{ID: "exp-1", Design: DesignAB, Unit: UnitUser,
		Variants: []Variant{{Name: "control", Weight: 50}, {Name: "diverse", Weight: 50,
			Overrides: Overrides{"diversity": json.RawMessage(`0.5`)}}},
		Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
}

func TestExperiment_Validate(t *testing.T) {
	if e := valid(); e.Validate() != nil {
		t.Fatalf("valid experiment refused: %v", e.Validate())
	}
	over := func(key, val string) func(*Experiment) {
		return func(e *Experiment) { e.Variants[1].Overrides = Overrides{key: json.RawMessage(val)} }
	}
	cases := []struct {
		name, field string
		edit        func(*Experiment)
	}{
		{"bad id", "id", func(e *Experiment) { e.ID = "a b" }},
		{"bad design", "design", func(e *Experiment) { e.Design = "bandit" }},
		{"bad unit", "unit", func(e *Experiment) { e.Unit = "device" }},
		{"one variant", "variants", func(e *Experiment) { e.Variants = e.Variants[:1] }},
		{"nine variants", "variants", func(e *Experiment) {
			for i := range 7 {
				e.Variants = append(e.Variants, Variant{Name: "v" + string(rune('a'+i)), Weight: 1})
			}
		}},
		{"interleaving three", "variants", func(e *Experiment) {
			e.Design = DesignInterleaving
			e.Variants = append(e.Variants, Variant{Name: "third", Weight: 1})
		}},
		{"zero sum", "variants", func(e *Experiment) { e.Variants[0].Weight, e.Variants[1].Weight = 0, 0 }},
		{"negative weight", "variants[1].weight", func(e *Experiment) { e.Variants[1].Weight = -1 }},
		{"duplicate name", "variants[1].name", func(e *Experiment) { e.Variants[1].Name = "control" }},
		{"bad name", "variants[0].name", func(e *Experiment) { e.Variants[0].Name = "" }},
		{"reserved name", "variants[0].name", func(e *Experiment) { e.Variants[0].Name = Interleaved }},
		{"unknown override", "variants[1].overrides.foo", over("foo", "1")},
		{"diversity too high", "variants[1].overrides.diversity", over("diversity", "1.5")},
		{"exposure too high", "variants[1].overrides.exposure_strength", over("exposure_strength", "11")},
		{"knob not a number", "variants[1].overrides.calibration", over("calibration", `"high"`)},
		{"knob null", "variants[1].overrides.calibration", over("calibration", `null`)},
		{"unknown source weight", "variants[1].overrides.weights.magic", over("weights", `{"magic":1}`)},
		{"weight too high", "variants[1].overrides.weights.cf", over("weights", `{"cf":101}`)},
		{"unknown source", "variants[1].overrides.sources[1]", over("sources", `["cf","magic"]`)},
		{"no sources", "variants[1].overrides.sources", over("sources", `[]`)},
		{"model version empty", "variants[1].overrides.model_version", over("model_version", `""`)},
		{"model version not a string", "variants[1].overrides.model_version", over("model_version", `3`)},
		{"model version too long", "variants[1].overrides.model_version", over("model_version", `"`+strings.Repeat("v", 65)+`"`)},
		{"ranker not a bool", "variants[1].overrides.ranker", over("ranker", `"off"`)},
		{"three pinned versions", "variants[2].overrides.model_version", func(e *Experiment) {
			e.Variants[0].Overrides = Overrides{"model_version": json.RawMessage(`"v1"`)}
			e.Variants[1].Overrides = Overrides{"model_version": json.RawMessage(`"v2"`)}
			e.Variants = append(e.Variants, Variant{Name: "third", Weight: 1, Overrides: Overrides{"model_version": json.RawMessage(`"v3"`)}})
		}},
		{"no start", "start", func(e *Experiment) { e.Start = time.Time{} }},
		{"no end", "end", func(e *Experiment) { e.End = time.Time{} }},
		{"end before start", "end", func(e *Experiment) { e.End = e.Start.Add(-time.Hour) }},
		{"start far off", "start", func(e *Experiment) { e.Start = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := valid()
			c.edit(&e)
			err := e.Validate()
			var fe *recd.FieldError
			if !errors.As(err, &fe) || !errors.Is(err, recd.ErrInvalid) {
				t.Fatalf("Validate() = %v, want a field error", err)
			}
			if fe.Field != c.field {
				t.Errorf("field = %q (%s), want %q", fe.Field, fe.Message, c.field)
			}
		})
	}
}

// The ranker and model_version overrides parse into Knobs, and PinnedVersions lists each
// pinned version once.
func TestOverrides_RankerAndModelVersion(t *testing.T) {
	e := valid()
	e.Variants[0].Overrides = Overrides{"model_version": json.RawMessage(`"v1"`), "ranker": json.RawMessage(`false`)}
	e.Variants[1].Overrides = Overrides{"model_version": json.RawMessage(`"v1"`), "ranker": json.RawMessage(`true`)}
	if err := e.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	k0, _ := e.Variants[0].Overrides.Knobs("v0")
	k1, _ := e.Variants[1].Overrides.Knobs("v1")
	if k0.ModelVersion != "v1" || !k0.BlendOnly() || k1.BlendOnly() {
		t.Errorf("knobs %+v / %+v: want v1 pinned, the blend only in the first", k0, k1)
	}
	if got := e.PinnedVersions(); !slices.Equal(got, []string{"v1"}) {
		t.Errorf("PinnedVersions() = %v, want [v1]", got)
	}
	if k := (Knobs{}); k.BlendOnly() {
		t.Error("no ranker override turns the ranker off")
	}
}

func TestExperiment_Status(t *testing.T) {
	e := valid()
	for _, c := range []struct {
		at   time.Time
		want string
	}{{e.Start.Add(-time.Second), StatusScheduled}, {e.Start, StatusRunning}, {e.End.Add(-time.Nanosecond), StatusRunning},
		{e.End, StatusFinished}} {
		if got := e.Status(c.at); got != c.want {
			t.Errorf("Status(%v) = %s, want %s", c.at, got, c.want)
		}
	}
}

func TestExperiment_Overlaps(t *testing.T) {
	a := valid()
	b := valid()
	b.Start, b.End = a.End, a.End.Add(time.Hour)
	if a.Overlaps(&b) || b.Overlaps(&a) {
		t.Error("back-to-back experiments overlap")
	}
	b.Start = a.End.Add(-time.Nanosecond)
	if !a.Overlaps(&b) || !b.Overlaps(&a) {
		t.Error("experiments sharing a nanosecond do not overlap")
	}
}

func TestKnobs_BlendWeights(t *testing.T) {
	e := valid()
	e.Variants[1].Overrides = Overrides{"sources": json.RawMessage(`["cf","popular"]`), "weights": json.RawMessage(`{"cf":2,"ease":3}`),
		"diversity": json.RawMessage(`0.25`)}
	k, err := e.Variants[1].Overrides.Knobs("o")
	if err != nil {
		t.Fatal(err)
	}
	if k.Diversity == nil || *k.Diversity != 0.25 {
		t.Errorf("diversity = %v", k.Diversity)
	}
	got := k.BlendWeights()
	want := map[string]float64{"cf": 2, "ease": 0, "itemknn": 0, "content": 0, "session": 0}
	if len(got) != len(want) {
		t.Fatalf("weights = %v, want %v", got, want)
	}
	for src, w := range want {
		if v, ok := got[src]; !ok || v != w {
			t.Errorf("weight of %s = %v (%v), want %v", src, v, ok, w)
		}
	}
	if _, ok := got["popular"]; ok {
		t.Error("popular is kept and has no override, so it keeps its configured weight")
	}
	var none Knobs
	if none.BlendWeights() != nil {
		t.Error("no weights or sources set blend weights")
	}
	if !strings.Contains(strings.Join(Keys(), ","), "diversity") {
		t.Error("Keys lacks diversity")
	}
}
