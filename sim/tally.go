package sim

import (
	"cmp"
	"slices"
	"sync"
)

// Click is one click the simulator sent: the list it came from and the item's place in it.
type Click struct {
	User             string `json:"user"`
	Item             string `json:"item"`
	RecommendationID string `json:"recommendation_id"`
	Position         int    `json:"position"`
	Variant          string `json:"variant,omitempty"`
}

// VariantTally is what the simulator counted for one variant from the server's answers.
type VariantTally struct {
	Name        string `json:"name"`
	Users       int    `json:"users"`
	Lists       int    `json:"lists"`
	Impressions int    `json:"impressions"` // items shown
	Clicks      int    `json:"clicks"`
	// Served counts the lists by what the answers said served them: "model_version/scorer",
	// with "/fallback" added when a pinned version did not serve.
	Served map[string]int `json:"served,omitempty"`
	// PerUser holds each user's clicks and impressions, in user order, for per-user CTR.
	PerUser []UserCount `json:"-"`
}

// UserCount is one user's clicks out of the items shown to them.
type UserCount struct {
	User                string
	Clicks, Impressions int
}

// Interleaved counts the interleaved lists by the variant whose items drew more clicks: a win
// of the control (the first variant), a loss (the treatment drew more) or a tie (as many, at
// least one). Lists without clicks do not count. PerUser holds each user's clicks credited to
// the control minus those credited to the treatment over all their lists, in user order (0
// for a user without clicks), and UserWins and UserLosses count the users above and below 0.
// These are the server report's semantics.
type Interleaved struct {
	Wins       int   `json:"wins"`
	Losses     int   `json:"losses"`
	Ties       int   `json:"ties"`
	UserWins   int   `json:"user_wins"`
	UserLosses int   `json:"user_losses"`
	PerUser    []int `json:"-"`
	perUser    []userDiff
}

type userDiff struct {
	user string
	diff int
}

// Tally is the simulator's own record of a run. mu guards every field while a run records
// into it; after Run returns it is read-only.
type Tally struct {
	mu         sync.Mutex
	Experiment string                   `json:"experiment,omitempty"`
	Variants   map[string]*VariantTally `json:"variants"`
	// Assignment is each user's variant as the server's answers said (the first list's).
	Assignment map[string]string `json:"assignment"`
	// Switched counts users whose later lists came under another variant than the first.
	Switched    int         `json:"switched"`
	Interleaved Interleaved `json:"interleaving"`
	Clicks      []Click     `json:"clicks"`
}

func newTally() *Tally {
	return &Tally{Variants: map[string]*VariantTally{}, Assignment: map[string]string{}}
}

// userRecord is one user's visits, recorded into the tally at once.
type userRecord struct {
	user       string
	experiment string
	variants   []string // each list's variant
	shown      []int    // each list's item count
	served     []string // each list's model version and scorer (see VariantTally.Served)
	clicks     []Click
	duels      []map[string]int // per list, clicks per item variant (interleaving)
}

// record adds one user's visits. pair names the control and the treatment of an interleaving
// experiment (nil for A/B), whose clicks are credited per item.
func (t *Tally) record(r *userRecord, pair *[2]string) {
	if len(r.variants) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if r.experiment != "" {
		t.Experiment = r.experiment
	}
	v := r.variants[0]
	t.Assignment[r.user] = v
	for _, w := range r.variants[1:] {
		if w != v {
			t.Switched++
			break
		}
	}
	vt := t.Variants[v]
	if vt == nil {
		vt = &VariantTally{Name: v}
		t.Variants[v] = vt
	}
	uc := UserCount{User: r.user, Clicks: len(r.clicks)}
	for _, n := range r.shown {
		uc.Impressions += n
	}
	vt.Users++
	vt.Lists += len(r.shown)
	vt.Impressions += uc.Impressions
	vt.Clicks += uc.Clicks
	vt.PerUser = append(vt.PerUser, uc)
	for _, s := range r.served {
		if vt.Served == nil {
			vt.Served = map[string]int{}
		}
		vt.Served[s]++
	}
	t.Clicks = append(t.Clicks, r.clicks...)
	if pair == nil {
		return
	}
	t.recordDuels(r, pair)
}

// recordDuels counts one user's interleaved lists and their difference; t.mu is held.
func (t *Tally) recordDuels(r *userRecord, pair *[2]string) {
	diff := 0
	for _, d := range r.duels {
		c, x := d[pair[0]], d[pair[1]]
		diff += c - x
		switch {
		case c > x:
			t.Interleaved.Wins++
		case c < x:
			t.Interleaved.Losses++
		case c > 0:
			t.Interleaved.Ties++
		}
	}
	switch {
	case diff > 0:
		t.Interleaved.UserWins++
	case diff < 0:
		t.Interleaved.UserLosses++
	}
	t.Interleaved.perUser = append(t.Interleaved.perUser, userDiff{r.user, diff})
}

// finish puts every slice in a fixed order, so that two runs of the same seed compare equal.
func (t *Tally) finish() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, vt := range t.Variants {
		slices.SortFunc(vt.PerUser, func(a, b UserCount) int { return cmp.Compare(a.User, b.User) })
	}
	slices.SortFunc(t.Interleaved.perUser, func(a, b userDiff) int { return cmp.Compare(a.user, b.user) })
	t.Interleaved.PerUser = t.Interleaved.PerUser[:0]
	for _, d := range t.Interleaved.perUser {
		t.Interleaved.PerUser = append(t.Interleaved.PerUser, d.diff)
	}
	slices.SortFunc(t.Clicks, func(a, b Click) int {
		return cmp.Or(cmp.Compare(a.User, b.User), cmp.Compare(a.RecommendationID, b.RecommendationID),
			cmp.Compare(a.Position, b.Position))
	})
}

// Names returns the variant names seen, sorted.
func (t *Tally) Names() []string {
	out := make([]string, 0, len(t.Variants))
	for n := range t.Variants {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
