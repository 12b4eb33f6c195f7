package online

import (
	"context"
	"errors"
	"fmt"
	"math"
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
	// Unit is what a unit tally counts: UnitUser ("", the default: the list's user, else its
	// session) or UnitSession (the list's session, else its user), as an experiment assigns.
	Unit string
}

// Units a fold can tally by.
const (
	UnitUser    = "user"
	UnitSession = "session"
)

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
	variants   []string // each position's contributing variant, nil unless some item has one
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
	// soft is when the fold stops reading and answers what it has (Truncated): 70% of the
	// way to the context's deadline, zero without one.
	soft time.Time
}

// Fold reads the lists served in q's window and the click and conversion events attributed
// to them, and returns each group's metrics. It reads through src's window scans (read
// connections only) and stops at opts' bounds, or 70% of the way to ctx's deadline, with
// Result.Truncated set: a slow store gives a partial answer, not a timeout.
func Fold(ctx context.Context, src store.ImpressionScanner, env Env, q Query, opts Options) (*Result, error) {
	opts = opts.WithDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	attr, err := ParseGroupBy(q.GroupBy)
	if err != nil {
		return nil, err
	}
	if q.Unit != "" && q.Unit != UnitUser && q.Unit != UnitSession {
		return nil, recd.Invalid("unit", "must be user or session")
	}
	if attr != "" && env.Users == nil {
		return nil, fmt.Errorf("group by %s: no user attributes available", q.GroupBy)
	}
	f := &folder{opts: opts, env: env, q: q, attr: attr, ids: map[string]int32{}, items: map[string]int32{},
		accs: map[string]*acc{}, userVals: map[string]string{}, marks: map[mark]uint8{},
		res: &Result{From: q.From.UTC(), To: q.To.UTC(), GroupBy: q.GroupBy, Experiment: q.Experiment, K: opts.K}}
	if dl, ok := ctx.Deadline(); ok {
		f.soft = time.Now().Add(time.Until(dl) * 7 / 10)
	}
	err = src.ScanImpressions(ctx, q.From, q.To, func(im store.Impression) error { return f.addList(ctx, &im) })
	if err != nil && !errors.Is(err, errFull) {
		return nil, fmt.Errorf("scan impressions: %w", err)
	}
	events := 0
	err = src.ScanAttributedEvents(ctx, q.From, q.To.Add(opts.EventLag), func(e recd.Event) error {
		if events++; events > opts.MaxEvents || (events%64 == 0 && f.late()) {
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
	if len(f.lists) >= f.opts.MaxImpressions || (len(f.lists)%16 == 15 && f.late()) {
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
	unit := unitOf(im, f.q.Unit == UnitSession)
	u := a.units[unit]
	if u == nil {
		u = &UnitTally{Unit: unit}
		a.units[unit] = u
	}
	f.ids[im.ID] = int32(len(f.lists))
	f.lists = append(f.lists, listState{acc: a, unit: u, user: im.UserID, n: int32(len(im.Items)), firstClick: -1,
		variants: itemVariants(im)})
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

// itemVariants is each position's contributing variant, nil when no item names one.
func itemVariants(im *store.Impression) []string {
	var out []string
	for _, it := range im.Items {
		if it.Variant == "" || it.Position < 0 || it.Position >= len(im.Items) {
			continue
		}
		if out == nil {
			out = make([]string, len(im.Items))
		}
		out[it.Position] = it.Variant
	}
	return out
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
