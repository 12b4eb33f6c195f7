// Package experiment owns online experiments: their definition and validation, the
// deterministic sticky assignment of units to variants, and team-draft interleaving.
package experiment

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/recd/recd"
)

// Designs of an experiment.
const (
	// DesignAB serves each unit one variant's list.
	DesignAB = "ab"
	// DesignInterleaving serves every unit one list merged from both variants' lists by team
	// draft, each item credited to the variant that placed it.
	DesignInterleaving = "interleaving"
)

// Units an experiment assigns variants to.
const (
	UnitUser    = "user"
	UnitSession = "session"
)

// Statuses of an experiment at a given time.
const (
	StatusScheduled = "scheduled"
	StatusRunning   = "running"
	StatusFinished  = "finished"
)

// Interleaved is the variant a response and its impression carry under an interleaving
// design: each item then names the variant that placed it.
const Interleaved = "interleaved"

// Bounds of a definition.
const (
	MinVariants = 2
	MaxVariants = 8
	// MaxStored is how many experiments (running or not) a store may hold at once.
	MaxStored = 32
	// MaxWeight bounds one variant's weight.
	MaxWeight = 1e6
)

// idRule is what experiment ids and variant names look like: short, URL-safe, no spaces.
var idRule = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// earliest and latest bound start and end, so that any time stored round-trips both stores.
var (
	earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	latest   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Experiment is one experiment's definition. Variants[0] is the control that lifts are
// measured against. An experiment runs from Start (included) to End (excluded).
type Experiment struct {
	ID       string    `json:"id"`
	Design   string    `json:"design"`
	Unit     string    `json:"unit"`
	Variants []Variant `json:"variants"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	// Created is when the experiment was first stored (set by the server).
	Created time.Time `json:"created"`
}

// Variant is one arm: its share of the units and what it changes in the ranking.
type Variant struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
	// Overrides are ranking knobs by name (see Knobs); validation parses them.
	Overrides Overrides `json:"overrides,omitempty"`
}

// ValidID checks an experiment id or a variant name: 1 to 64 letters, digits, '.', '_' or
// '-', starting with a letter or digit.
func ValidID(field, id string) error {
	if !idRule.MatchString(id) {
		return recd.Invalid(field, "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	return nil
}

// Normalize fills the defaults: design ab, unit user.
func (e *Experiment) Normalize() {
	if e.Design == "" {
		e.Design = DesignAB
	}
	if e.Unit == "" {
		e.Unit = UnitUser
	}
}

// Validate checks a normalised definition: its id, design and unit, 2 to 8 variants with
// distinct names, non-negative weights summing to a positive number (exactly 2 variants for
// interleaving), overrides within the ranges a request's knobs have, and start before end.
// The error is a *recd.FieldError naming the field at fault.
func (e *Experiment) Validate() error {
	if err := ValidID("id", e.ID); err != nil {
		return err
	}
	switch e.Design {
	case DesignAB, DesignInterleaving:
	default:
		return recd.Invalid("design", `must be "ab" or "interleaving"`)
	}
	if e.Unit != UnitUser && e.Unit != UnitSession {
		return recd.Invalid("unit", `must be "user" or "session"`)
	}
	if err := e.validateVariants(); err != nil {
		return err
	}
	if e.Start.IsZero() {
		return recd.Invalid("start", "is required")
	}
	if e.End.IsZero() {
		return recd.Invalid("end", "is required")
	}
	if e.Start.Before(earliest) || e.Start.After(latest) {
		return recd.Invalid("start", "must lie between 2000-01-01 and 2100-01-01")
	}
	if e.End.Before(earliest) || e.End.After(latest) {
		return recd.Invalid("end", "must lie between 2000-01-01 and 2100-01-01")
	}
	if !e.Start.Before(e.End) {
		return recd.Invalid("end", "must be after start")
	}
	return nil
}

// validateVariants checks the variants' count, names, weights and overrides.
func (e *Experiment) validateVariants() error {
	n := len(e.Variants)
	if n < MinVariants || n > MaxVariants {
		return recd.Invalid("variants", fmt.Sprintf("must hold %d to %d variants", MinVariants, MaxVariants))
	}
	if e.Design == DesignInterleaving && n != 2 {
		return recd.Invalid("variants", "an interleaving experiment has exactly 2 variants")
	}
	seen := make(map[string]bool, n)
	total := 0.0
	var pinned []string
	for i, v := range e.Variants {
		field := fmt.Sprintf("variants[%d]", i)
		if err := ValidID(field+".name", v.Name); err != nil {
			return err
		}
		if v.Name == Interleaved {
			return recd.Invalid(field+".name", fmt.Sprintf("%q is reserved", Interleaved))
		}
		if seen[v.Name] {
			return recd.Invalid(field+".name", fmt.Sprintf("%q is used by another variant", v.Name))
		}
		seen[v.Name] = true
		if !(v.Weight >= 0 && v.Weight <= MaxWeight) { // also refuses NaN
			return recd.Invalid(field+".weight", fmt.Sprintf("must be between 0 and %g", float64(MaxWeight)))
		}
		total += v.Weight
		k, err := v.Overrides.Knobs(field + ".overrides")
		if err != nil {
			return err
		}
		if k.ModelVersion != "" && !slices.Contains(pinned, k.ModelVersion) {
			if pinned = append(pinned, k.ModelVersion); len(pinned) > MaxPinnedVersions {
				return recd.Invalid(field+".overrides.model_version",
					fmt.Sprintf("the variants pin more than %d model versions; each pinned version holds its models in memory", MaxPinnedVersions))
			}
		}
	}
	if !(total > 0) {
		return recd.Invalid("variants", "the weights must sum to a positive number")
	}
	return nil
}

// Status is the experiment's status at now.
func (e *Experiment) Status(now time.Time) string {
	switch {
	case now.Before(e.Start):
		return StatusScheduled
	case now.Before(e.End):
		return StatusRunning
	}
	return StatusFinished
}

// Overlaps reports whether e's and o's spans share a moment.
func (e *Experiment) Overlaps(o *Experiment) bool {
	return e.Start.Before(o.End) && o.Start.Before(e.End)
}

// Variant returns the variant named name and its index, or -1.
func (e *Experiment) Variant(name string) (Variant, int) {
	for i, v := range e.Variants {
		if v.Name == name {
			return v, i
		}
	}
	return Variant{}, -1
}
