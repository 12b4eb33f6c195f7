package rank

import (
	"fmt"

	"github.com/recd/recd"
)

// ValidateRerank checks the options of the re-ranking stages (diversity, calibration, their
// pool, relevance scales and similarity mix, the long-tail share), naming the offending
// field as its YAML key. cmd's configuration calls it with the rest of its checks.
func (o Options) ValidateRerank() error {
	unit := func(name string, v float64) error {
		if !(v >= 0 && v <= 1) {
			return recd.Invalid(name, "must be in [0, 1]")
		}
		return nil
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"diversity", o.Diversity}, {"calibration", o.Calibration}, {"long_tail_share", o.LongTailShare},
		{"diversity_category_weight", o.DiversityCategoryWeight}, {"diversity_cf_weight", o.DiversityCFWeight}} {
		if err := unit(c.name, c.v); err != nil {
			return err
		}
	}
	if o.DiversityCategoryWeight+o.DiversityCFWeight > 1+1e-9 {
		return recd.Invalid("diversity_cf_weight", fmt.Sprintf("diversity_category_weight + diversity_cf_weight must be at most 1, got %g",
			o.DiversityCategoryWeight+o.DiversityCFWeight))
	}
	if o.RerankPool < 0 {
		return recd.Invalid("rerank_pool", "must be >= 0")
	}
	for name, s := range map[string]RelevanceScale{"diversity_relevance": o.DiversityRelevance,
		"calibration_relevance": o.CalibrationRelevance} {
		if s != "" && s != RelevanceMinMax && s != RelevanceRank {
			return recd.Invalid(name, fmt.Sprintf("must be %s or %s", RelevanceMinMax, RelevanceRank))
		}
	}
	return nil
}
