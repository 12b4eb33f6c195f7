package rank

import (
	"slices"
	"sort"
)

// coldItems applies the item side of the cold-start policy: an item with fewer interactions
// than ItemWarmEvents has little CF evidence, so its content score takes over part of the CF
// share of the blend: score += ColdItemBoost * (1 - n/warm)^2 * cfShare * content. Only the
// ColdItemSlots best-matching cold items get the lean, so new items reach the users whose
// history matches them without crowding out what those users are known to like. It moves
// each boosted candidate up to its place in the sorted pool.
func coldItems(cands []Candidate, boosts []coldBoost) {
	for _, b := range boosts {
		i := slices.IndexFunc(cands, func(c Candidate) bool { return c.ID == b.id })
		if i < 0 {
			continue
		}
		cands[i].Score += b.boost
		c := cands[i]
		j := i
		for j > 0 && (cands[j-1].Score < c.Score || cands[j-1].Score == c.Score && cands[j-1].ID > c.ID) {
			j--
		}
		copy(cands[j+1:i+1], cands[j:i])
		cands[j] = c
	}
}

type coldBoost struct {
	id    string
	boost float64
}

// coldItem is a cold item proposed by a content source: ColdItemBoost * (1 - n/warm)^2 and
// its normalised content score.
type coldItem struct {
	id            string
	lean, content float64
}

// coldBoosts returns the cold items' boosts (see coldItems), best first: from the cached
// sources' cold items when they serve, else from the lists.
func (in *ScoreInput) coldBoosts() []coldBoost {
	p := in.Pipeline
	if in.cold != nil {
		return p.coldTop(*in.cold, in.Weights)
	}
	return p.coldTop(p.coldItemsOf(in.Lists, in.Normalisation), in.Weights)
}

// coldItemsOf returns the cold items of the content sources' lists, with their content
// scores normalised as Blend normalises them, so that the cold-start policy costs nothing
// per candidate. It depends on the lists only, so cached lists can keep it.
func (p *Pipeline) coldItemsOf(lists []SourceList, norm Normalisation) []coldItem {
	warm := float64(p.Opts.ItemWarmEvents)
	if warm <= 0 || p.Opts.ColdItemBoost <= 0 || p.Opts.ColdItemSlots <= 0 {
		return nil
	}
	var out []coldItem
	for _, l := range lists {
		if l.Name != "content" {
			continue
		}
		scores := normalise(l.Items, norm, nil)
		for k, it := range l.Items {
			n := 0.0
			if idx, ok := p.M.ItemIndex[it.ID]; ok && int(idx) < len(p.M.Counts) {
				n = float64(p.M.Counts[idx])
			}
			if n >= warm {
				continue
			}
			f := 1 - n/warm
			out = append(out, coldItem{it.ID, p.Opts.ColdItemBoost * f * f, scores[k]})
		}
	}
	return out
}

// coldTop weighs cold items by the collaborative sources' share of the blend and returns
// the ColdItemSlots best boosts, best first.
func (p *Pipeline) coldTop(items []coldItem, weights map[string]float64) []coldBoost {
	if len(items) == 0 || p.Opts.ColdItemSlots <= 0 {
		return nil
	}
	collab := weights["cf"] + weights["itemknn"] + weights["ease"]
	total := collab + weights["content"] + weights["popular"]
	if total == 0 {
		return nil
	}
	share := collab / total
	var best []coldBoost
	at := make(map[string]int, len(items)) // an item's place in best: linear in deep sources too
	for _, c := range items {
		b := c.lean * share * c.content
		if i, ok := at[c.id]; ok {
			best[i].boost = max(best[i].boost, b) // an item listed twice keeps its best score
			continue
		}
		at[c.id] = len(best)
		best = append(best, coldBoost{c.id, b})
	}
	sort.SliceStable(best, func(a, b int) bool { return best[a].boost > best[b].boost })
	return best[:min(len(best), p.Opts.ColdItemSlots)]
}
