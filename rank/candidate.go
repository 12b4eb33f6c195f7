// Package rank owns the serving pipeline: candidate sources, blended scoring, filters,
// session boost, MMR diversity, calibration, exposure fairness, cold-start policy and
// explanations. It depends on the index, model and embed interfaces, never on HTTP or SQL.
package rank

import "github.com/recd/recd"

// Candidate is an item under consideration for one response.
type Candidate struct {
	ID         string
	Categories []string
	// Score is the blended relevance the stages reorder by; higher is better.
	Score float64
	// Sources holds each candidate source's normalised score in [0, 1] by source name
	// (itemknn, cf, content, popular, trending, session, ...).
	Sources map[string]float64
	// Reasons explain the item; stages append to them.
	Reasons []recd.Reason
	// LongTail is true for items outside the most interacted-with head of the catalog.
	LongTail bool
}

// Similarity returns the similarity of two items in [-1, 1] (typically cosine of their
// content or CF vectors); 0 when unknown.
type Similarity func(a, b string) float64
