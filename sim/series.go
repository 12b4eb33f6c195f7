package sim

import (
	"context"
	"math"
)

// Series is several seeded runs of one design at one number of users.
type Series struct {
	Users       int
	Runs        []*Outcome
	Significant int // runs with P below the level
	SRMFailed   int // runs whose sample-ratio check failed
}

// Power is the share of runs that reached the level.
func (s *Series) Power() float64 { return float64(s.Significant) / float64(len(s.Runs)) }

// Repeat runs design runs times with users users, under seeds seed, seed+1, ..., and counts
// the runs with P < level. done, when not nil, is called after each simulated user.
func (d *Driver) Repeat(ctx context.Context, design Design, users, runs int, seed int64, level float64, done func()) (*Series, error) {
	s := &Series{Users: users}
	for i := range runs {
		o, err := d.Run(ctx, design, users, seed+int64(i), done)
		if err != nil {
			return nil, err
		}
		s.Runs = append(s.Runs, o)
		if o.P < level {
			s.Significant++
		}
		if !o.SRMOK {
			s.SRMFailed++
		}
	}
	return s, nil
}

// Need finds the smallest number of users, among the ascending counts, at which at least
// power of runs seeded runs reach P < level. It returns every series it ran and the count
// found, or 0 when none reached it.
func (d *Driver) Need(ctx context.Context, design Design, counts []int, runs int, seed int64, level, power float64, done func()) ([]*Series, int, error) {
	var all []*Series
	for _, n := range counts {
		s, err := d.Repeat(ctx, design, n, runs, seed, level, done)
		if err != nil {
			return all, 0, err
		}
		all = append(all, s)
		if s.Power() >= power {
			return all, n, nil
		}
	}
	return all, 0, nil
}

// BinomialBound is the largest count k such that P(X > k) <= alpha for X ~ Binomial(n, p):
// with n A/A runs tested at level p, more than k significant runs would happen by chance with
// probability at most alpha.
func BinomialBound(n int, p, alpha float64) int {
	cdf, term := 0.0, math.Pow(1-p, float64(n))
	for k := 0; k <= n; k++ {
		cdf += term
		if 1-cdf <= alpha {
			return k
		}
		term *= float64(n-k) / float64(k+1) * p / (1 - p)
	}
	return n
}
