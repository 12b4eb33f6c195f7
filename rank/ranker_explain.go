package rank

import "github.com/recd/recd"

// explainRanked leads each ranked candidate's reasons with the one behind the features that
// raised its learned score most (the model's contributions along its tree paths): a
// source's score, rank and proposal together name that source's reason ("Because you liked
// Alien"); the recency popularity features name a trending reason. A candidate whose
// features lowered its score keeps its reasons in blend order.
func (r *request) explainRanked(cands []Candidate) {
	rk := r.p.M.Ranker
	if r.ranker == nil || !r.ranker.local || rk == nil {
		return
	}
	nf := len(rk.Features.Names)
	contrib := make([]float64, nf)
	base := 3 * len(rankerSources)
	for i := range cands {
		row := r.ranker.of(cands[i].ID, nf)
		if row == nil {
			continue
		}
		rk.Model.Contributions(row, contrib)
		lead, best := "", 0.0
		for s, name := range rankerSources {
			if v := contrib[3*s] + contrib[3*s+1] + contrib[3*s+2]; v > best {
				lead, best = name, v
			}
		}
		if v := contrib[base+2] + contrib[base+3] + contrib[base+4]; v > best {
			lead = ReasonTrending
		}
		cands[i].Reasons = leadWith(cands[i].Reasons, lead)
	}
}

// leadWith moves the reason of source lead to the front, or puts a trending reason there
// when lead is ReasonTrending. It may append to rs, whose storage the caller owns.
func leadWith(rs []recd.Reason, lead string) []recd.Reason {
	switch lead {
	case "":
		return rs
	case ReasonTrending:
		return append([]recd.Reason{{Type: ReasonTrending, Source: "ranker"}}, rs...)
	}
	for k, x := range rs {
		if x.Source == lead {
			copy(rs[1:k+1], rs[:k])
			rs[0] = x
			break
		}
	}
	return rs
}
