package rank

import (
	"context"
	"math"

	"github.com/recd/recd"
)

// This file is the rotation stage: items a user was shown several times without interacting
// with them sink in that user's later lists, so that a feed moves on.

// RotationFactor is the multiplier rotation applies to the score of an item shown count times
// to the user without an interaction since (count already decayed by the caller's half-life):
// (1-rotation)^(count-1) from the second exposure on, 1 before it. rotation 0 leaves every
// score as it is.
func RotationFactor(rotation, count float64) float64 {
	if rotation <= 0 || count <= 1 {
		return 1
	}
	return math.Pow(1-rotation, count-1)
}

// Rotate demotes the candidates shown to the user before (shown: item id → decayed count of
// exposures without an interaction since) by RotationFactor, then re-sorts. A non-negative
// score is multiplied by the factor f; a negative one moves down by the same share of its
// size (s·(2-f)), so a demotion never raises a score.
func Rotate(cands []Candidate, shown map[string]float64, rotation float64) error {
	if !(rotation >= 0 && rotation <= 1) {
		return recd.Invalid("rotation", "must be between 0 and 1")
	}
	if rotation == 0 || len(shown) == 0 || len(cands) == 0 {
		return nil
	}
	moved := false
	for i := range cands {
		f := RotationFactor(rotation, shown[cands[i].ID])
		if f == 1 {
			continue
		}
		if s := cands[i].Score; s >= 0 {
			cands[i].Score = s * f
		} else {
			cands[i].Score = s * (2 - f)
		}
		moved = true
	}
	if moved {
		SortByScore(cands)
	}
	return nil
}

// rotationStage applies the request's rotation (Rotate) to the filtered pool. plainRequest
// sends no request it would change to the head shortcut.
type rotationStage struct{}

func (rotationStage) run(_ context.Context, r *request) error {
	if r.rotates() {
		return Rotate(r.cands, r.req.Shown, r.rotation)
	}
	return nil
}

// rotates reports whether the rotation stage can change the request's list.
func (r *request) rotates() bool { return r.rotation > 0 && len(r.req.Shown) > 0 }
