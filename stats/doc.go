// Package stats holds the statistics that online metrics and experiment reports use: ratio metrics by the delta method, their differences and lifts with confidence intervals and p-values, a seeded bootstrap, the sample-ratio-mismatch check, the exact binomial (sign) test and the one-sample t-test of per-unit differences.
//
// Every function is pure: no state, no locks, safe for concurrent use. Randomness (the
// bootstrap) takes a seed, so a report is repeatable.
//
// The unit of analysis is the unit of randomisation (a user or a session). A ratio metric
// such as per-user CTR is sum(clicks)/sum(impressions) over the units of a group; the units'
// (numerator, denominator) pairs are independent, the clicks inside one unit are not, which is
// why the variance comes from the delta method over units and not from a binomial over
// impressions. A plain mean (say, conversions per user) is a ratio whose denominators are all 1.
package stats

import "errors"

var (
	// ErrTooFewUnits: fewer than two units in a group, so no variance can be estimated.
	ErrTooFewUnits = errors.New("stats: fewer than two units")
	// ErrZeroDenominator: a group's denominators sum to zero (no impressions at all).
	ErrZeroDenominator = errors.New("stats: denominators sum to zero")
	// ErrBadArgument: a level, weight, count or probability outside its range.
	ErrBadArgument = errors.New("stats: argument out of range")
)
