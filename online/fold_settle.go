package online

import (
	"cmp"
	"slices"
	"strings"

	"github.com/recd/recd"
)

// This file is a fold's second half: the events that name its lists, and the groups' final
// metrics.

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
			if l.variants != nil && l.variants[m.pos] != "" {
				if u.Credit == nil {
					u.Credit = map[string]int64{}
				}
				u.Credit[l.variants[m.pos]]++
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
