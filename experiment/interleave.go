package experiment

import "math/rand/v2"

// Pick is one item of an interleaved list and the team (0 or 1, the variant's index) that
// placed it: a click on it is credited to that team.
type Pick struct {
	ID   string
	Team int
}

// TeamDraft merges two ranked lists by team-draft interleaving (Radlinski, Kurup and
// Joachims, 2008): in each round a coin seeded by seed decides which team picks first when
// both have picked as many items; a team picks its highest-ranked item not yet in the list.
// When one list runs out the other keeps picking. It returns at most n picks, no item twice.
func TeamDraft(a, b []string, n int, seed uint64) []Pick {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	lists := [2][]string{a, b}
	var next, count [2]int
	taken := make(map[string]bool, n)
	out := make([]Pick, 0, n)
	for len(out) < n {
		for t := range lists {
			for next[t] < len(lists[t]) && taken[lists[t][next[t]]] {
				next[t]++
			}
		}
		left := [2]bool{next[0] < len(a), next[1] < len(b)}
		if !left[0] && !left[1] {
			break
		}
		team := 1
		switch {
		case count[0] < count[1]:
			team = 0
		case count[0] == count[1] && rng.IntN(2) == 0:
			team = 0
		}
		if !left[team] {
			team = 1 - team
		}
		id := lists[team][next[team]]
		taken[id] = true
		count[team]++
		out = append(out, Pick{ID: id, Team: team})
	}
	return out
}
