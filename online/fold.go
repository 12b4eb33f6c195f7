package online

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// Query selects what a fold reads and how it groups.
type Query struct {
	// From and To bound the window: lists served in [From, To).
	From, To time.Time
	// GroupBy is a dimension (ByVariant, ..., "user.<attribute>"); "" gives one group.
	GroupBy string
	// Experiment keeps only the lists served under that experiment ("" keeps all).
	Experiment string
}

// Result is a fold's answer.
type Result struct {
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	GroupBy    string    `json:"group_by"`
	Experiment string    `json:"experiment,omitempty"`
	K          int       `json:"k"`
	// Truncated says the window held more than MaxImpressions lists (or its events more
	// than MaxEvents); ScannedTo is then the time of the first list left unread.
	Truncated bool       `json:"truncated"`
	ScannedTo *time.Time `json:"scanned_to,omitempty"`
	// SkippedEvents are click or conversion events that named a list of the window but not
	// an item it showed, or came from another user than the list's: counted nowhere.
	SkippedEvents int64   `json:"skipped_events"`
	Groups        []Group `json:"groups"`
	// LargestGap is, for a user-attribute grouping, each metric's highest and lowest group
	// (LargestGaps).
	LargestGap map[string]Gap `json:"largest_gap,omitempty"`
}

// Group is one group's metrics and its units' tallies.
type Group struct {
	Key string `json:"group"`
	Metrics
	// Units are the group's per-unit tallies in unit order; not part of the JSON answer.
	Units []UnitTally `json:"-"`
}

// errFull stops a scan at a bound.
var errFull = errors.New("online: bound reached")

// listState is what a fold keeps of one list between the list scan and the event scan.
type listState struct {
	acc        *acc
	unit       *UnitTally
	user       string // the list's user, "" for anonymous
	n          int32  // items shown
	firstClick int32  // position of the first click, −1 for none
	converted  bool
}

// mark is one (list, position) an event named.
type mark struct{ list, pos int32 }

const (
	markClick uint8 = 1 << iota
	markConversion
)

// folder is one fold's state; one goroutine's.
type folder struct {
	opts     Options
	env      Env
	q        Query
	attr     string
	lists    []listState
	ids      map[string]int32 // recommendation id -> index in lists
	items    map[string]int32 // interned item ids
	accs     map[string]*acc
	userVals map[string]string // user -> group, for a user-attribute grouping
	marks    map[mark]uint8
	res      *Result
}

// Fold reads the lists served in q's window and the click and conversion events attributed
// to them, and returns each group's metrics. It reads through src's window scans (read
// connections only) and stops at opts' bounds with Result.Truncated set.
func Fold(ctx context.Context, src store.ImpressionScanner, env Env, q Query, opts Options) (*Result, error) {
	opts = opts.WithDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	attr, err := ParseGroupBy(q.GroupBy)
	if err != nil {
		return nil, err
	}
	if attr != "" && env.Users == nil {
		return nil, fmt.Errorf("group by %s: no user attributes available", q.GroupBy)
	}
	f := &folder{opts: opts, env: env, q: q, attr: attr, ids: map[string]int32{}, items: map[string]int32{},
		accs: map[string]*acc{}, userVals: map[string]string{}, marks: map[mark]uint8{},
		res: &Result{From: q.From.UTC(), To: q.To.UTC(), GroupBy: q.GroupBy, Experiment: q.Experiment, K: opts.K}}
	err = src.ScanImpressions(ctx, q.From, q.To, func(im store.Impression) error { return f.addList(ctx, &im) })
	if err != nil && !errors.Is(err, errFull) {
		return nil, fmt.Errorf("scan impressions: %w", err)
	}
	events := 0
	err = src.ScanAttributedEvents(ctx, q.From, q.To.Add(opts.EventLag), func(e recd.Event) error {
		if events++; events > opts.MaxEvents {
			f.res.Truncated = true
			return errFull
		}
		f.addEvent(&e)
		return nil
	})
	if err != nil && !errors.Is(err, errFull) {
		return nil, fmt.Errorf("scan events: %w", err)
	}
	f.settle()
	f.finish()
	return f.res, nil
}

// addList folds one served list into its group and unit.
func (f *folder) addList(ctx context.Context, im *store.Impression) error {
	if f.q.Experiment != "" && im.Experiment != f.q.Experiment {
		return nil
	}
	if len(f.lists) >= f.opts.MaxImpressions {
		f.res.Truncated = true
		t := im.Time.UTC()
		f.res.ScannedTo = &t
		return errFull
	}
	key, err := f.groupOf(ctx, im)
	if err != nil {
		return err
	}
	a := f.accs[key]
	if a == nil {
		a = newAcc(key, f.opts.K)
		f.accs[key] = a
	}
	unit := unitOf(im)
	u := a.units[unit]
	if u == nil {
		u = &UnitTally{Unit: unit}
		a.units[unit] = u
	}
	f.ids[im.ID] = int32(len(f.lists))
	f.lists = append(f.lists, listState{acc: a, unit: u, user: im.UserID, n: int32(len(im.Items)), firstClick: -1})
	u.Lists++
	a.total.Lists++
	f.exposure(a, u, im)
	if f.env.Models != nil {
		if at, ok := f.env.Models.VersionTime(im.ModelVersion); ok && !im.Time.Before(at) {
			a.ageSum += im.Time.Sub(at).Seconds()
			a.ageN++
		}
	}
	return nil
}

// exposure folds a list's items: counts, positions, distinct items, novelty, item age.
func (f *folder) exposure(a *acc, u *UnitTally, im *store.Impression) {
	k := f.opts.K
	for _, it := range im.Items {
		u.Items++
		a.total.Items++
		if it.Position >= 0 && it.Position < k {
			u.ItemsAtK++
			a.total.ItemsAtK++
			a.posShown[it.Position]++
		}
		id, ok := f.items[it.ItemID]
		if !ok {
			id = int32(len(f.items))
			f.items[it.ItemID] = id
		}
		a.distinct[id] = struct{}{}
		if p := f.env.Popularity; p != nil {
			a.noveltySum += -math.Log2(max(p.Share(it.ItemID), p.Floor()))
			a.noveltyN++
		}
		if c := f.env.Catalog; c != nil {
			if added, ok := c.AddedAt(it.ItemID); ok {
				a.addedKnown++
				age := im.Time.Sub(added)
				if age < 24*time.Hour {
					a.newDay++
				}
				if age < 7*24*time.Hour {
					a.newWeek++
				}
			}
		}
	}
}

// unitOf is the unit a list counts for: its user, else its session, else the list itself.
func unitOf(im *store.Impression) string {
	switch {
	case im.UserID != "":
		return im.UserID
	case im.SessionID != "":
		return "session:" + im.SessionID
	}
	return "list:" + im.ID
}

// groupOf is the list's group under the query's dimension; past maxRawGroups distinct
// values a new value goes to GroupOther.
func (f *folder) groupOf(ctx context.Context, im *store.Impression) (string, error) {
	var key string
	switch f.q.GroupBy {
	case ByNone:
		key = GroupAll
	case ByVariant:
		key = im.Variant
	case ByStrategy:
		key = im.Strategy
	case ByModelVersion:
		key = im.ModelVersion
	case ByRoute:
		key = im.Route
	default:
		var err error
		if key, err = f.userGroup(ctx, im.UserID); err != nil {
			return "", err
		}
	}
	if key == "" {
		key = GroupNone
	}
	if _, ok := f.accs[key]; !ok && len(f.accs) >= maxRawGroups {
		key = GroupOther
	}
	return key, nil
}

// userGroup is a user's attribute value, looked up once per user per fold.
func (f *folder) userGroup(ctx context.Context, user string) (string, error) {
	if user == "" {
		return GroupAnonymous, nil
	}
	if v, ok := f.userVals[user]; ok {
		return v, nil
	}
	v, ok, err := f.env.Users.UserAttribute(ctx, user, f.attr)
	if err != nil {
		return "", fmt.Errorf("attribute of user %q: %w", user, err)
	}
	if !ok {
		v = GroupUnknown
	}
	if len(v) > maxAttrName {
		v = v[:maxAttrName]
	}
	f.userVals[user] = v
	return v, nil
}

// addEvent marks the (list, position) a click or conversion names. Attribution never
// crosses users: an event of another user than a user's list is skipped.
func (f *folder) addEvent(e *recd.Event) {
	var bit uint8
	switch {
	case slices.Contains(f.opts.ClickTypes, e.Type):
		bit = markClick
	case slices.Contains(f.opts.ConversionTypes, e.Type):
		bit = markConversion
	default:
		return
	}
	li, ok := f.ids[e.RecommendationID]
	if !ok {
		return
	}
	l := &f.lists[li]
	if (l.user != "" && e.UserID != l.user) || e.Position == nil || *e.Position < 0 || *e.Position >= int(l.n) {
		f.res.SkippedEvents++
		return
	}
	f.marks[mark{li, int32(*e.Position)}] |= bit
}

// settle counts the marked (list, position) pairs into their lists, units and groups.
func (f *folder) settle() {
	k := int32(f.opts.K)
	for m, bits := range f.marks {
		l := &f.lists[m.list]
		a, u := l.acc, l.unit
		if bits&markClick != 0 {
			u.Clicks++
			a.total.Clicks++
			if m.pos < k {
				u.ClicksAtK++
				a.total.ClicksAtK++
				a.posClicked[m.pos]++
			}
			if l.firstClick < 0 || m.pos < l.firstClick {
				l.firstClick = m.pos
			}
		}
		if bits&markConversion != 0 {
			u.Conversions++
			a.total.Conversions++
			l.converted = true
		}
	}
	// In list order, so that the sums of reciprocal ranks do not depend on map order.
	for i := range f.lists {
		l := &f.lists[i]
		if l.firstClick >= 0 {
			rr := 1 / float64(1+l.firstClick)
			l.unit.RR += rr
			l.unit.ClickedLists++
			l.acc.total.RR += rr
			l.acc.total.ClickedLists++
		}
		if l.converted {
			l.unit.ConvertedLists++
			l.acc.total.ConvertedLists++
		}
	}
}

// finish keeps the MaxGroups largest groups (by lists, then name), folds the rest into
// GroupOther, and computes metrics and, for a user-attribute grouping, the largest gaps.
func (f *folder) finish() {
	all := make([]*acc, 0, len(f.accs))
	for _, a := range f.accs {
		all = append(all, a)
	}
	slices.SortFunc(all, func(x, y *acc) int {
		return cmp.Or(cmp.Compare(y.total.Lists, x.total.Lists), strings.Compare(x.key, y.key))
	})
	other := newAcc(GroupOther, f.opts.K)
	var kept []*acc
	for _, a := range all {
		if a.key != GroupOther && len(kept) < f.opts.MaxGroups {
			kept = append(kept, a)
		} else {
			other.merge(a)
		}
	}
	if other.total.Lists > 0 {
		kept = append(kept, other)
	}
	size := 0
	if f.env.Catalog != nil {
		size = f.env.Catalog.Size()
	}
	f.res.Groups = make([]Group, 0, len(kept))
	for _, a := range kept {
		f.res.Groups = append(f.res.Groups, Group{Key: a.key, Units: a.unitList(),
			Metrics: a.metrics(size, f.env.Popularity != nil, f.env.Models != nil, f.env.Catalog != nil)})
	}
	if f.attr != "" {
		f.res.LargestGap = LargestGaps(f.res.Groups, f.opts.MinGapLists)
	}
}
