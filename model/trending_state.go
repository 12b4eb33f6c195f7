package model

// This file lets the live state's snapshot save and restore a Trending counter exactly.

// EachScore calls fn for every item with a score, in no order, with its score in the log space
// the counter keeps (see Contribution).
func (tr *Trending) EachScore(fn func(item string, logScore float64)) {
	for k, v := range tr.logS {
		fn(k, v)
	}
}

// SetScore sets an item's log-space score, as EachScore reported it: restoring a saved counter
// this way gives back exactly the scores it had.
func (tr *Trending) SetScore(item string, logScore float64) { tr.logS[item] = logScore }
