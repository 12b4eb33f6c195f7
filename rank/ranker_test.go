package rank_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
)

// linearModel is a TreeModel scoring w·x; it records the rows it scored.
type linearModel struct {
	w    []float64
	mu   sync.Mutex
	seen []float32
}

func (m *linearModel) NumFeatures() int { return len(m.w) }

func (m *linearModel) PredictRows(X []float32, out []float64) {
	m.mu.Lock()
	m.seen = append(m.seen[:0], X...)
	m.mu.Unlock()
	for j := range out {
		_ = m.Contributions(X[j*len(m.w):(j+1)*len(m.w)], nil)
		out[j] = m.dot(X[j*len(m.w) : (j+1)*len(m.w)])
	}
}

func (m *linearModel) dot(row []float32) float64 {
	s := 0.0
	for f, w := range m.w {
		s += w * float64(row[f])
	}
	return s
}

func (m *linearModel) Contributions(row []float32, out []float64) float64 {
	for f := range out {
		out[f] = m.w[f] * float64(row[f])
	}
	return 0
}

// rankedPipeline is benchPipeline's with item times and a ranker scoring by weights
// (feature name → weight).
func rankedPipeline(t *testing.T, weights map[string]float64) (*rank.Pipeline, *linearModel, []rank.Interaction) {
	t.Helper()
	p, hist := benchPipeline(t, 2000)
	fs := p.Features()
	lm := &linearModel{w: make([]float64, len(fs.Names))}
	for name, w := range weights {
		k := slices.Index(fs.Names, name)
		if k < 0 {
			t.Fatalf("no feature %q in %v", name, fs.Names)
		}
		lm.w[k] = w
	}
	rk, err := rank.NewRanker(lm, fs.Names, fs)
	if err != nil {
		t.Fatal(err)
	}
	m := *p.M
	var items []int32
	var times []int64
	for i := range m.Items {
		for k := 0; k < int(m.Counts[i]); k++ {
			items, times = append(items, int32(i)), append(times, int64(1000*(i+k)))
		}
	}
	m.Times, m.Ranker = rank.NewItemTimes(len(m.Items), items, times), rk
	return rank.NewPipeline(&m, p.Catalog, p.Index, nil, p.Opts), lm, hist
}

func TestPipeline_RankerCandidatesAreWhatServingScores(t *testing.T) {
	p, lm, hist := rankedPipeline(t, map[string]float64{"src_ease_score": 1, "item_count_log": -0.3})
	ctx := context.Background()
	for _, n := range []int{5, 10, 40} {
		req := rank.Request{History: hist[:10+n], N: 10}
		if _, err := p.Recommend(ctx, req); err != nil {
			t.Fatal(err)
		}
		ex, err := p.RankerCandidates(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(ex.IDs) < 100 {
			t.Fatalf("%d candidates, want the sources' union (hundreds)", len(ex.IDs))
		}
		if !slices.Equal(ex.X, lm.seen) {
			t.Fatalf("history %d: offline rows differ from the rows serving scored (%d vs %d values)", 10+n, len(ex.X), len(lm.seen))
		}
	}
}

// TestPipeline_RankerRecencyFeatures: every scored candidate's recency features are what
// their definitions give by a scan of the item's times, for a user whose newest event is a
// year before the run's (so the user's windows are not the run's), over more candidates than
// RecentAll takes in one chunk.
func TestPipeline_RankerRecencyFeatures(t *testing.T) {
	p, _, hist := rankedPipeline(t, map[string]float64{"src_ease_score": 1})
	const day = 86400
	m := *p.M
	rng := rand.New(rand.NewPCG(7, 8))
	t0 := int64(1_500_000_000)
	var items []int32
	var times []int64
	for i := range m.Items {
		for k := 0; k < int(m.Counts[i]); k++ {
			items, times = append(items, int32(i)), append(times, t0+rng.Int64N(3*365*day))
		}
	}
	m.Times = rank.NewItemTimes(len(m.Items), items, times)
	p = rank.NewPipeline(&m, p.Catalog, p.Index, nil, p.Opts)
	ref := t0 + 2*365*day // the user's newest event
	h := slices.Clone(hist[:30])
	for k := range h {
		h[k].Last = time.Unix(ref-int64(k)*day, 0)
	}
	ex, err := p.RankerCandidates(context.Background(), rank.Request{History: h, N: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.IDs) <= 64 {
		t.Fatalf("%d candidates, want more than one chunk", len(ex.IDs))
	}
	names := p.Features().Names
	newest := slices.Max(times)
	for r, id := range ex.IDs {
		i := m.ItemIndex[id]
		var recent, year, atNewest float32
		first, last := int64(math.MaxInt64), int64(0)
		for e, it := range items {
			ts := times[e]
			if it != i {
				continue
			}
			if ts > ref-30*day && ts <= ref {
				recent++
			}
			if ts > ref-365*day && ts <= ref {
				year++
			}
			if ts > newest-30*day {
				atNewest++
			}
			if first = min(first, ts); ts <= ref {
				last = max(last, ts)
			}
		}
		age, idle := float32(-1), float32(-1)
		if last > 0 {
			age, idle = float32(float64(ref-first)/day), float32(float64(ref-last)/day)
		}
		want := map[string]float32{"item_pop_recent": atNewest, "item_pop_at_user": recent, "item_pop_year_user": year,
			"item_age_days": age, "item_idle_days": idle, "user_idle_days": float32(float64(newest-ref) / day)}
		row := ex.X[r*len(names) : (r+1)*len(names)]
		for name, w := range want {
			if got := row[slices.Index(names, name)]; got != w {
				t.Fatalf("candidate %d (%s): %s = %v, want %v", r, id, name, got, w)
			}
		}
	}
}

func TestPipeline_LearnedScorerOrdersByModel(t *testing.T) {
	// The model prefers the least interacted-with items: the opposite of the blend's taste.
	p, _, hist := rankedPipeline(t, map[string]float64{"item_count_log": -1})
	ctx := context.Background()
	req := rank.Request{History: hist, N: 20}
	got, err := p.Recommend(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	ex, _ := p.RankerCandidates(ctx, req)
	count := slices.Index(p.Features().Names, "item_count_log")
	nf := len(p.Features().Names)
	countOf := map[string]float32{}
	for j, id := range ex.IDs {
		countOf[id] = ex.X[j*nf+count]
	}
	for k := 1; k < len(got.Items); k++ {
		a, b := got.Items[k-1], got.Items[k]
		if countOf[a.ID] > countOf[b.ID] {
			t.Fatalf("item %d (%s, log count %g) before %s (log count %g): not the model's order", k-1, a.ID, countOf[a.ID], b.ID, countOf[b.ID])
		}
	}
	blendOnly := p.Opts
	blendOnly.BlendOnly = true
	q := rank.NewPipeline(p.M, p.Catalog, p.Index, nil, blendOnly)
	want, _ := q.Recommend(ctx, req)
	if slices.Equal(recIDs(got.Items), recIDs(want.Items)) {
		t.Fatal("the ranker served the blend's list")
	}
	plain := *p.M
	plain.Ranker = nil
	r := rank.NewPipeline(&plain, p.Catalog, p.Index, nil, p.Opts)
	if blend, _ := r.Recommend(ctx, req); !slices.Equal(recIDs(blend.Items), recIDs(want.Items)) {
		t.Error("BlendOnly does not serve what a pipeline without a ranker serves")
	}
	t.Run("a session request keeps the blend", func(t *testing.T) {
		sreq := req
		sreq.Recent = []string{hist[0].ItemID}
		a, _ := p.Recommend(ctx, sreq)
		b, _ := q.Recommend(ctx, sreq)
		if !slices.Equal(recIDs(a.Items), recIDs(b.Items)) {
			t.Error("the ranker scored a request with a session source it has no features for")
		}
	})
}

func TestPipeline_RankerReasons(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		weights map[string]float64
		lead    string // the first reason's type
	}{
		{map[string]float64{"src_itemknn_score": 5, "src_itemknn_proposed": 1}, rank.ReasonSimilarTo},
		{map[string]float64{"item_pop_recent": 1, "src_itemknn_proposed": 0.1}, rank.ReasonTrending},
	} {
		p, _, hist := rankedPipeline(t, tc.weights)
		got, err := p.Recommend(ctx, rank.Request{History: hist, N: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range got.Items {
			lead := tc.lead
			if i, ok := p.M.ItemIndex[it.ID]; !ok || int(p.M.Counts[i]) < p.Opts.ItemWarmEvents {
				lead = rank.ReasonMatchesProfile // the cold-start slot's item, placed by its content
			}
			if len(it.Reasons) == 0 || it.Reasons[0].Type != lead || it.Reasons[0].Text == "" {
				t.Fatalf("%v: %s's reasons %+v, want %s first with a sentence", tc.weights, it.ID, it.Reasons, lead)
			}
		}
	}
}

func TestNewRanker_RefusesAnotherFeatureSet(t *testing.T) {
	fs := rank.NewFeatureSet([]string{"price"})
	lm := &linearModel{w: make([]float64, len(fs.Names))}
	if _, err := rank.NewRanker(lm, fs.Names, fs); err != nil {
		t.Fatalf("same set: %v", err)
	}
	other := rank.NewFeatureSet([]string{"margin"})
	if _, err := rank.NewRanker(lm, other.Names, fs); !errors.Is(err, rank.ErrFeatureSet) {
		t.Errorf("other names: err = %v, want ErrFeatureSet", err)
	}
	narrow := &linearModel{w: make([]float64, len(fs.Names)-1)}
	if _, err := rank.NewRanker(narrow, fs.Names, fs); !errors.Is(err, rank.ErrFeatureSet) {
		t.Errorf("other width: err = %v, want ErrFeatureSet", err)
	}
	if got := len(fs.Names); got != len(rank.NewFeatureSet(nil).Names)+1 {
		t.Errorf("one attribute adds %d features", got-len(rank.NewFeatureSet(nil).Names))
	}
}

func TestItemTimes(t *testing.T) {
	day := int64(86400)
	tm := rank.NewItemTimes(3, []int32{0, 0, 1, 0, 7, -1}, []int64{5 * day, 1 * day, 2 * day, 3 * day, 9 * day, 9 * day})
	if tm.Newest != 5*day {
		t.Errorf("newest = %d, want %d (events of unknown items ignored)", tm.Newest, 5*day)
	}
	for _, c := range []struct {
		item     int32
		from, to int64
		want     int
	}{{0, 0, 10 * day, 3}, {0, day, 3 * day, 1}, {0, 0, day, 1}, {1, 0, day, 0}, {2, 0, 10 * day, 0}, {9, 0, 10 * day, 0}} {
		if got := tm.Count(c.item, c.from, c.to); got != c.want {
			t.Errorf("Count(%d, %d, %d) = %d, want %d", c.item, c.from, c.to, got, c.want)
		}
	}
	if f, l, ok := tm.Span(0, 4*day); !ok || f != day || l != 3*day {
		t.Errorf("Span(0, day 4) = %d, %d, %v; want day 1, day 3", f/day, l/day, ok)
	}
	if _, _, ok := tm.Span(1, day); ok {
		t.Error("Span before the item's first event: ok")
	}
}

// Count and Span agree with a scan of the times, and RecentAll with them, duplicates and window edges included,
// with times near zero, before it and at today's Unix seconds (the times are kept after the
// first of them).
func TestItemTimes_MatchesAScan(t *testing.T) {
	for _, off := range []int64{0, -200, 1_700_000_000} {
		itemTimesMatchScan(t, off)
	}
}

// TestItemTimes_RecentAtNewest: the indexed count of each item's times in the 30 days up to
// the newest time is the scan's, for items searched through buckets and items with few times,
// with times spread over 90 days.
func TestItemTimes_RecentAtNewest(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n, day = 6, 86400
	var items []int32
	var times []int64
	for k := 0; k < 3000; k++ {
		i := int32(rng.IntN(n))
		if i == 5 && k%30 != 0 {
			continue
		}
		items, times = append(items, i), append(times, 1_600_000_000+int64(rng.IntN(90*day)))
	}
	tm := rank.NewItemTimes(n+1, items, times) // item n has no times
	newest := slices.Max(times)
	for i := range int32(n + 1) {
		want := 0
		for e, it := range items {
			if it == i && times[e] > newest-30*day && times[e] <= newest {
				want++
			}
		}
		if got := tm.RecentAtNewest(i); got != want || (i < n && want == 0) {
			t.Fatalf("RecentAtNewest(%d) = %d, want %d", i, got, want)
		}
	}
	if tm.RecentAtNewest(-1) != 0 || tm.RecentAtNewest(n+1) != 0 {
		t.Fatal("an item out of range has recent times")
	}
}

func itemTimesMatchScan(t *testing.T, off int64) {
	rng := rand.New(rand.NewPCG(3, 4))
	// Items 0-3 have enough events to be searched through their buckets (one of them bunched
	// in time, so its buckets are uneven), item 4 few.
	n := 5
	var items []int32
	var times []int64
	for k := 0; k < 4000; k++ {
		i := int32(rng.IntN(n))
		if i == 4 && k%20 != 0 {
			continue
		}
		at := int64(rng.IntN(400))
		if i == 2 {
			at = int64(rng.ExpFloat64() * 20)
		}
		items, times = append(items, i), append(times, off+at)
	}
	tm := rank.NewItemTimes(n, items, times)
	for k := 0; k < 5000; k++ {
		i, from, to := int32(rng.IntN(n)), off+int64(rng.IntN(420)-10), off+int64(rng.IntN(420)-10)
		want, first, last, any := 0, int64(math.MaxInt64), int64(math.MinInt64), false
		for e, it := range items {
			if it != i {
				continue
			}
			if times[e] > from && times[e] <= to {
				want++
			}
			first = min(first, times[e])
			if times[e] <= to {
				last, any = max(last, times[e]), true
			}
		}
		if got := tm.Count(i, from, to); got != want {
			t.Fatalf("Count(%d, %d, %d) = %d, want %d", i, from, to, got, want)
		}
		f, l, ok := tm.Span(i, to)
		if ok != any || (ok && (f != first || l != last)) {
			t.Fatalf("Span(%d, %d) = %d, %d, %v; want %d, %d, %v", i, to, f, l, ok, first, last, any)
		}
	}
	// RecentAll answers a batch (longer than its chunk, items out of range among them) as
	// Count, Span and RecentAtNewest answer each item, into a slice holding older answers.
	got := make([]rank.Recency, 200)
	for k := 0; k < 300; k++ {
		to := off + int64(rng.IntN(420)-10)
		w1, w2 := int64(rng.IntN(60)), int64(rng.IntN(200))
		w1, w2 = min(w1, w2), max(w1, w2)
		batch := make([]int32, 1+rng.IntN(len(got)))
		for b := range batch {
			batch[b] = int32(rng.IntN(n+2)) - 1
		}
		for b := range got {
			got[b] = rank.Recency{NRecent: 7, NLong: 7, AtNewest: 7, OK: true, First: 7, Last: 7}
		}
		tm.RecentAll(batch, to, w1, w2, got)
		for b, i := range batch {
			want := rank.Recency{AtNewest: int32(tm.RecentAtNewest(i))}
			if f, l, ok := tm.Span(i, to); ok {
				want.NRecent, want.NLong = int32(tm.Count(i, to-w1, to)), int32(tm.Count(i, to-w2, to))
				want.OK, want.First, want.Last = true, f, l
			}
			if got[b] != want {
				t.Fatalf("RecentAll, item %d at %d (windows %d, %d) = %+v, want %+v", i, to, w1, w2, got[b], want)
			}
		}
	}
}

// A bundle saved when the times were Unix seconds in 8 bytes (no Base) decodes into the same
// answers.
func TestItemTimes_DecodesEightByteTimes(t *testing.T) {
	day := int64(86400)
	items, times := []int32{0, 0, 1, 0}, []int64{1_700_000_000 + 5*day, 1_700_000_000 + day, 1_700_000_000 + 2*day, 1_700_000_000 + 3*day}
	want := rank.NewItemTimes(2, items, times)
	if want.Base != 1_700_000_000+day || len(want.Times) != 4 {
		t.Fatalf("base %d, %d times; want the first time as the base", want.Base, len(want.Times))
	}
	old := struct {
		Off    []int32
		Times  []int64
		Newest int64
	}{[]int32{0, 3, 4}, []int64{times[1], times[3], times[0], times[2]}, times[0]}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(old); err != nil {
		t.Fatal(err)
	}
	var got rank.ItemTimes
	if err := gob.NewDecoder(&buf).Decode(&got); err != nil {
		t.Fatalf("decode the 8-byte times: %v", err)
	}
	for _, to := range []int64{0, times[1], times[1] + day, times[0], times[0] + 10*day} {
		for i := int32(0); i < 2; i++ {
			if g, w := got.Count(i, to-2*day, to), want.Count(i, to-2*day, to); g != w {
				t.Errorf("Count(%d, .., %d) = %d decoded, %d built", i, to, g, w)
			}
			gf, gl, gok := got.Span(i, to)
			wf, wl, wok := want.Span(i, to)
			if gf != wf || gl != wl || gok != wok {
				t.Errorf("Span(%d, %d) = %d, %d, %v decoded; %d, %d, %v built", i, to, gf, gl, gok, wf, wl, wok)
			}
		}
	}
}

// A packed copy survives gob and unpacks to the same times; bytes that do not describe the
// offsets are refused.
func TestItemTimes_PackRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var items []int32
	var times []int64
	for range 3000 {
		items, times = append(items, int32(rng.IntN(40))), append(times, 1_500_000_000+int64(rng.IntN(1<<27)))
	}
	want := rank.NewItemTimes(50, items, times) // items 40-49 have none
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(want.Pack()); err != nil {
		t.Fatal(err)
	}
	if n := buf.Len(); n > 4*len(want.Times) {
		t.Errorf("packed copy is %d bytes for %d times", n, len(want.Times))
	}
	var got rank.ItemTimes
	if err := gob.NewDecoder(&buf).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Times != nil {
		t.Fatal("the packed copy carried Times")
	}
	if err := got.Unpack(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Times, want.Times) || !slices.Equal(got.Off, want.Off) || got.Base != want.Base || got.Newest != want.Newest || got.Packed != nil {
		t.Fatal("unpacked times differ from the packed ones")
	}
	for _, bad := range []*rank.ItemTimes{
		{Off: want.Off, Packed: want.Pack().Packed[:len(want.Pack().Packed)-1]},     // cut short
		{Off: want.Off, Packed: append(want.Pack().Packed, 1)},                      // a byte over
		{Off: []int32{0, 2, 1}, Packed: []byte{1, 1, 1}},                            // offsets decrease
		{Off: []int32{0, 1}, Packed: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1}}, // past int32
	} {
		if err := bad.Unpack(); err == nil {
			t.Errorf("Unpack accepted %d offsets and %d bytes that do not match", len(bad.Off), len(bad.Packed))
		}
	}
}

func recIDs(recs []recd.Recommendation) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func TestPipeline_RankerLeavesContextRequestsToTheBlend(t *testing.T) {
	p, _, hist := rankedPipeline(t, map[string]float64{"item_count_log": -1})
	blendOnly := p.Opts
	blendOnly.BlendOnly = true
	q := rank.NewPipeline(p.M, p.Catalog, p.Index, nil, blendOnly)
	ctx := context.Background()
	for name, req := range map[string]rank.Request{
		"context items": {History: hist, ContextItems: []string{hist[0].ItemID}, N: 10},
		"no history":    {ContextItems: []string{hist[0].ItemID}, N: 10},
		"extra source":  {History: hist, Extra: []rank.SourceList{{Name: "query", Items: []rank.SourceScore{{ID: hist[1].ItemID, Score: 1}}}}, N: 10},
	} {
		a, _ := p.Recommend(ctx, req)
		b, _ := q.Recommend(ctx, req)
		if !slices.Equal(recIDs(a.Items), recIDs(b.Items)) {
			t.Errorf("%s: the ranker scored it", name)
		}
	}
}

// TestPipeline_RankerHeadOf checks that a plain request the learned ranker serves takes the
// head shortcut and ranks exactly what the full path ranks: the same items, scores and
// reasons, for short and long histories, with and without rules.
func TestPipeline_RankerHeadOf(t *testing.T) {
	p, _, hist := rankedPipeline(t, map[string]float64{"src_ease_score": 1, "item_count_log": -0.3, "item_pop_recent": 0.2})
	ctx := context.Background()
	for _, tc := range []struct {
		h     int
		n     int
		rules rank.Rules
	}{{10, 10, rank.Rules{}}, {40, 1, rank.Rules{}}, {80, 50, rank.Rules{ExcludeCategories: []string{"h"}}}} {
		req := rank.Request{History: hist[:tc.h], N: tc.n, Rules: tc.rules}
		rank.SetNoHead(p, true)
		want, err := p.Recommend(ctx, req)
		rank.SetNoHead(p, false)
		if err != nil {
			t.Fatal(err)
		}
		heads := rank.HeadRuns(p)
		got, err := p.Recommend(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if rank.HeadRuns(p) != heads+1 {
			t.Fatalf("history %d: the ranked request did not take the shortcut", tc.h)
		}
		if len(got.Items) != tc.n || fmt.Sprint(got.Items) != fmt.Sprint(want.Items) {
			t.Fatalf("history %d, n %d: shortcut %v, full path %v", tc.h, tc.n, got.Items, want.Items)
		}
	}
}

// TestPipeline_RankerLogsFeatures checks that a request asking for its feature rows gets the
// rows the ranker scored for exactly the items returned, in their order, and that one not
// asking, or served by the blend, gets none.
func TestPipeline_RankerLogsFeatures(t *testing.T) {
	p, _, hist := rankedPipeline(t, map[string]float64{"src_ease_score": 1, "item_count_log": -0.3})
	ctx := context.Background()
	req := rank.Request{History: hist[:40], N: 7, LogFeatures: true}
	got, err := p.Recommend(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	ex, _ := p.RankerCandidates(ctx, req)
	nf := len(p.Features().Names)
	f := got.Features
	if f == nil || !slices.Equal(f.Names, p.Features().Names) || len(f.Rows) != len(got.Items) {
		t.Fatalf("features %+v for %d items", f, len(got.Items))
	}
	placed := 0
	for k, it := range got.Items {
		j := slices.Index(ex.IDs, it.ID)
		if j < 0 {
			// A cold item the cold-start slot placed, which the model did not score: logged
			// with its row all the same, so the list can still train a ranker.
			if placed++; placed > p.Opts.ColdItemSlots || len(f.Rows[k]) != nf {
				t.Fatalf("item %d (%s), not one the ranker scored: logged row %v (%d such items)", k, it.ID, f.Rows[k], placed)
			}
			continue
		}
		if !slices.Equal(f.Rows[k], ex.X[j*nf:(j+1)*nf]) {
			t.Fatalf("item %d (%s): logged row %v is not the row the ranker scored", k, it.ID, f.Rows[k])
		}
	}
	req.LogFeatures = false
	if got, _ := p.Recommend(ctx, req); got.Features != nil {
		t.Error("features logged for a request that did not ask")
	}
	// The blend ranking a request of the ranker's kind (here the ranker turned off) logs the
	// same rows and serves exactly the list it serves unlogged.
	blendReq := rank.Request{History: hist[:40], N: 7, BlendOnly: true}
	blend, err := p.Recommend(ctx, blendReq)
	if err != nil {
		t.Fatal(err)
	}
	blendReq.LogFeatures = true
	logged, err := p.Recommend(ctx, blendReq)
	if err != nil {
		t.Fatal(err)
	}
	if logged.Scorer != rank.ScorerBlend || got.Scorer != rank.ScorerRanker || fmt.Sprint(logged.Items) != fmt.Sprint(blend.Items) {
		t.Fatalf("logged blend list (%s) %v, unlogged %v; ranker list scored by %s", logged.Scorer, logged.Items, blend.Items, got.Scorer)
	}
	if f := logged.Features; f == nil || len(f.Rows) != len(logged.Items) {
		t.Fatalf("the blend's logged list has features %+v", f)
	}
	// Every item has its row, even one no ranker source proposed (which the ranker would not
	// score); those the ranker scores have the very rows it scores.
	same := 0
	for k, it := range logged.Items {
		row := logged.Features.Rows[k]
		if len(row) != nf {
			t.Fatalf("blend item %d (%s): row of %d features, want %d", k, it.ID, len(row), nf)
		}
		if j := slices.Index(ex.IDs, it.ID); j >= 0 {
			if !slices.Equal(row, ex.X[j*nf:(j+1)*nf]) {
				t.Fatalf("blend item %d (%s): logged row %v is not the ranker's row of it", k, it.ID, row)
			}
			same++
		}
	}
	if same == 0 {
		t.Error("no item of the blend's list is among the ranker's candidates")
	}
	req.LogFeatures, req.ContextItems = true, []string{hist[0].ItemID}
	if got, _ := p.Recommend(ctx, req); got.Features != nil {
		t.Error("features logged for a list with context items")
	}
}

// TestPipeline_RankerKeepsTheColdItemSlot checks the cold-start policy under the learned
// ranker: a cold item (fewer than ItemWarmEvents interactions) has nothing for a model source
// to propose it by, so without the policy it would fall below every item the model scored;
// it takes the place in the list that the blend gives it.
func TestPipeline_RankerKeepsTheColdItemSlot(t *testing.T) {
	p, _, hist := rankedPipeline(t, map[string]float64{"src_itemknn_score": 1, "item_count_log": 0.1})
	ctx := context.Background()
	req := rank.Request{History: hist, N: 10}
	blendOnly := p.Opts
	blendOnly.BlendOnly = true
	q := rank.NewPipeline(p.M, p.Catalog, p.Index, nil, blendOnly)
	coldAt := func(resp rank.Response) (string, int) {
		for k, it := range resp.Items {
			if i, ok := p.M.ItemIndex[it.ID]; !ok || int(p.M.Counts[i]) < p.Opts.ItemWarmEvents {
				return it.ID, k
			}
		}
		return "", -1
	}
	want, err := q.Recommend(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	wid, wk := coldAt(want)
	if wk < 0 {
		t.Fatalf("the blend's list %v has no cold item: the fixture does not exercise the slot", recIDs(want.Items))
	}
	got, err := p.Recommend(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got.Scorer != rank.ScorerRanker {
		t.Fatalf("scorer %q, want the ranker", got.Scorer)
	}
	if gid, gk := coldAt(got); gid != wid || gk != wk {
		t.Fatalf("under the ranker the cold item is %q at %d, want %q at %d (the blend's place); list %v", gid, gk, wid, wk, recIDs(got.Items))
	}
	if slices.Equal(recIDs(got.Items), recIDs(want.Items)) {
		t.Fatal("the ranker served the blend's list: the test does not tell the two apart")
	}
	noCold := p.Opts
	noCold.ColdItemSlots = 0
	r := rank.NewPipeline(p.M, p.Catalog, p.Index, nil, noCold)
	if plain, _ := r.Recommend(ctx, req); slices.Contains(recIDs(plain.Items), wid) {
		t.Fatalf("%s is in the ranker's list without the cold-item slot too: the test does not tell the slot's work", wid)
	}
}

// TestPipeline_PoolReuseCarriesNothingOver checks that a request whose scored pool and
// ranker buffers come from an earlier request's (released for reuse) ranks, scores, explains
// and logs exactly what it does on fresh buffers: requests of different history sizes and
// depths, each computed after the collector emptied the reuse pools, then again one after
// another, larger pools before smaller ones and back.
func TestPipeline_PoolReuseCarriesNothingOver(t *testing.T) {
	ranked, _, hist := rankedPipeline(t, map[string]float64{"src_ease_score": 1, "item_count_log": -0.3, "item_pop_recent": 0.2})
	blend, _ := benchPipeline(t, 2000)
	ctx := context.Background()
	reqs := []rank.Request{
		{History: hist[:80], N: 50, LogFeatures: true},
		{History: hist[:5], N: 3, LogFeatures: true},
		{History: hist[:40], N: 10, Rules: rank.Rules{ExcludeCategories: []string{"h"}}},
		{History: hist[:10], N: 20, LogFeatures: true},
	}
	show := func(resp rank.Response) string {
		return fmt.Sprint(resp.Scorer, resp.Items, resp.Features)
	}
	for name, p := range map[string]*rank.Pipeline{"ranker": ranked, "blend": blend} {
		want := make([]string, len(reqs))
		for k, req := range reqs {
			runtime.GC()
			runtime.GC() // a sync.Pool's items survive one collection
			resp, err := p.Recommend(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			want[k] = show(resp)
		}
		for _, k := range []int{0, 1, 2, 3, 0, 3, 1, 2, 0} {
			resp, err := p.Recommend(ctx, reqs[k])
			if err != nil {
				t.Fatal(err)
			}
			if got := show(resp); got != want[k] {
				t.Fatalf("%s, request %d on reused buffers:\n got %s\nwant %s", name, k, got, want[k])
			}
		}
	}
}

// TestPipeline_RankerAsksCFForLess checks Options.RankedCFK (here 50; off by default): a
// request the learned ranker ranks takes the CF source only that deep (the other sources at full depth) and serves the
// list it serves with CF at full depth, since the ranker does not read CF; a request the
// blend scores (asked for, or with a session) takes it at full depth.
func TestPipeline_RankerAsksCFForLess(t *testing.T) {
	p, _, hist := rankedPipeline(t, map[string]float64{"src_itemknn_score": 1, "item_count_log": 0.1, "src_popular_rank": -0.001})
	ctx := context.Background()
	depths := func(opts rank.Options, req rank.Request) map[string]int {
		t.Helper()
		d, err := rank.SourceDepths(ctx, rank.NewPipeline(p.M, p.Catalog, p.Index, nil, opts), req)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	req := rank.Request{History: hist, N: 10}
	if p.Opts.RankedCFK != 0 || p.Opts.SourceK != 200 {
		t.Fatalf("fixture options: ranked_cf_k %d, source_k %d; want the defaults 0 and 200", p.Opts.RankedCFK, p.Opts.SourceK)
	}
	full := p.Opts
	p.Opts.RankedCFK = 50
	p = rank.NewPipeline(p.M, p.Catalog, p.Index, nil, p.Opts)
	d, fd := depths(p.Opts, req), depths(full, req)
	if d["cf"] != 50 || fd["cf"] != 200 || d["content"] != 200 {
		t.Fatalf("ranked request: depths %v, with ranked_cf_k 0 %v; want cf 50 and 200, content 200", d, fd)
	}
	delete(d, "cf")
	delete(fd, "cf")
	if !maps.Equal(d, fd) {
		t.Fatalf("the other sources' depths %v, with ranked_cf_k 0 %v", d, fd)
	}
	shallow, err := p.Recommend(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	deep, err := rank.NewPipeline(p.M, p.Catalog, p.Index, nil, full).Recommend(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if shallow.Scorer != rank.ScorerRanker || !slices.Equal(recIDs(shallow.Items), recIDs(deep.Items)) {
		t.Fatalf("scorer %q; the ranked list with cf 50 deep %v, with cf 200 deep %v", shallow.Scorer, recIDs(shallow.Items), recIDs(deep.Items))
	}
	if d := depths(p.Opts, rank.Request{History: hist, N: 80}); d["cf"] != 80 {
		t.Fatalf("n=80: depths %v, want cf 80 (a list's length at least)", d)
	}
	blendReq := req
	blendReq.BlendOnly = true
	if d := depths(p.Opts, blendReq); d["cf"] != 200 {
		t.Fatalf("blend-only request: depths %v, want cf 200", d)
	}
	sessionReq := req
	sessionReq.Recent = []string{hist[0].ItemID}
	if d := depths(p.Opts, sessionReq); d["cf"] != 200 {
		t.Fatalf("request with a session: depths %v, want cf 200", d)
	}
	noLocal := *p.M
	noLocal.Ranker = nil
	remote := p.Opts
	remote.Remote = unreachableRanker{}
	if d, err := rank.SourceDepths(ctx, rank.NewPipeline(&noLocal, p.Catalog, p.Index, nil, remote), req); err != nil || d["cf"] != 200 {
		t.Fatalf("remote ranker without a local one: depths %v (err %v), want cf 200 (its fallback is the blend)", d, err)
	}
}

// itemsOf gives a Catalog the Items of rank.ItemsCatalog, as the live catalog has it.
type itemsOf struct{ rank.Catalog }

func (c itemsOf) Items(ids []string, out []rank.ItemMeta, ok []bool) {
	for k, id := range ids {
		out[k], ok[k] = c.Item(id)
	}
}

// TestPipeline_RankerCategoryFeatures checks the category features of every served row
// against the user's liked and disliked items' categories counted one by one: more liked
// items than a catalog chunk, some disliked, over catalogs with and without Items.
func TestPipeline_RankerCategoryFeatures(t *testing.T) {
	p, _, _ := rankedPipeline(t, map[string]float64{"src_itemknn_score": 1})
	var h []rank.Interaction
	liked, disliked := map[string]float64{}, map[string]float64{}
	t0 := time.Unix(1_500_000_000, 0)
	for i := range 220 {
		id := p.M.Items[i*7%len(p.M.Items)]
		w := 1.0
		if i >= 150 {
			w = -1
		}
		h = append(h, rank.Interaction{ItemID: id, Weight: w, Last: t0.Add(-time.Duration(i) * time.Hour)})
		m, _ := p.Catalog.Item(id)
		for _, c := range m.Categories {
			if w > 0 {
				liked[c]++
			} else {
				disliked[c]++
			}
		}
	}
	names := p.Features().Names
	aff, dis := slices.Index(names, "cat_affinity"), slices.Index(names, "cat_disliked")
	for _, c := range []rank.Catalog{p.Catalog, itemsOf{p.Catalog}} {
		q := rank.NewPipeline(p.M, c, p.Index, nil, p.Opts)
		ex, err := q.RankerCandidates(context.Background(), rank.Request{History: h, N: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(ex.IDs) == 0 {
			t.Fatal("no candidates")
		}
		for r, id := range ex.IDs {
			m, _ := p.Catalog.Item(id)
			var wantAff, wantDis float32
			for _, c := range m.Categories {
				wantAff = max(wantAff, float32(liked[c]/150))
				wantDis = max(wantDis, float32(disliked[c]/70))
			}
			row := ex.X[r*len(names) : (r+1)*len(names)]
			if row[aff] != wantAff || row[dis] != wantDis {
				t.Fatalf("%T: candidate %s: cat_affinity %v, cat_disliked %v; want %v, %v", c, id, row[aff], row[dis], wantAff, wantDis)
			}
		}
	}
}

// unreachableRanker is a RemoteRanker that always fails.
type unreachableRanker struct{}

func (unreachableRanker) ScoreRows(context.Context, []string, []float32, int) ([]float64, error) {
	return nil, errors.New("unreachable")
}
