package synth

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/recd/recd/dataset"
)

func small(t testing.TB, events int64, seed uint64) Options {
	t.Helper()
	o, err := Preset("ml20m")
	if err != nil {
		t.Fatal(err)
	}
	o = o.Scale(events)
	o.Seed = seed
	return o
}

func generate(t testing.TB, o Options) (items, events []byte, st Stats) {
	t.Helper()
	var ib, eb bytes.Buffer
	st, err := Generate(context.Background(), o, &ib, &eb, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ib.Bytes(), eb.Bytes(), st
}

// TestGenerate_Deterministic: the same seed writes byte-identical files; another seed does not.
func TestGenerate_Deterministic(t *testing.T) {
	hash := func(seed uint64) [32]byte {
		items, events, _ := generate(t, small(t, 20000, seed))
		return sha256.Sum256(append(items, events...))
	}
	a, b, c := hash(7), hash(7), hash(8)
	if a != b {
		t.Error("seed 7 twice gave different files")
	}
	if a == c {
		t.Error("seeds 7 and 8 gave the same files")
	}
}

type event struct {
	UserID, ItemID, Type, Timestamp, SessionID string
	Value                                      float64
}

func readEvents(t testing.TB, b []byte) []event {
	t.Helper()
	var out []event
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var e struct {
			UserID    string  `json:"user_id"`
			ItemID    string  `json:"item_id"`
			Type      string  `json:"type"`
			Value     float64 `json:"value"`
			Timestamp string  `json:"timestamp"`
			SessionID string  `json:"session_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d: %v", len(out)+1, err)
		}
		out = append(out, event{e.UserID, e.ItemID, e.Type, e.Timestamp, e.SessionID, e.Value})
	}
	return out
}

// TestGenerate_Shape: at the shape of MovieLens latest-small (610 users, 9,742 items,
// 100,836 events), exact counts, valid JSON with titles, categories, tags and text, one event
// per user and item, new items without events, and activity and popularity whose power-law
// exponents are those fitted to MovieLens. (Scaled-down presets keep at least MinItems items,
// where the caps on a history and on an item's reach cut the tails shorter.)
func TestGenerate_Shape(t *testing.T) {
	o := small(t, 100836, 1)
	o.Users, o.Items = 610, 9742
	items, events, st := generate(t, o)
	if st.Events != o.Events || st.Items != o.Items || st.Users != o.Users {
		t.Fatalf("stats %+v, options %d users %d items %d events", st, o.Users, o.Items, o.Events)
	}
	var n int
	sc := bufio.NewScanner(bytes.NewReader(items))
	for sc.Scan() {
		var it struct {
			ID, Title, Text  string
			Categories, Tags []string
		}
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			t.Fatalf("item line %d: %v", n+1, err)
		}
		if it.ID == "" || it.Title == "" || it.Text == "" || len(it.Categories) == 0 || len(it.Tags) == 0 {
			t.Fatalf("item line %d lacks a field: %s", n+1, sc.Bytes())
		}
		n++
	}
	if n != o.Items {
		t.Errorf("%d item lines, want %d", n, o.Items)
	}
	evs := readEvents(t, events)
	if int64(len(evs)) != o.Events {
		t.Fatalf("%d event lines, want %d", len(evs), o.Events)
	}
	perUser, perItem := map[string]float64{}, map[string]float64{}
	pairs := map[[2]string]bool{}
	for _, e := range evs {
		if pairs[[2]string{e.UserID, e.ItemID}] {
			t.Fatalf("user %s has item %s twice", e.UserID, e.ItemID)
		}
		pairs[[2]string{e.UserID, e.ItemID}] = true
		perUser[e.UserID]++
		perItem[e.ItemID]++
	}
	within, between := sessionGaps(t, evs)
	if within > 10*time.Minute || between < 24*time.Hour {
		t.Errorf("median gap within a session %s, between sessions %s; want events clustered in sessions", within, between)
	}
	if got, want := len(perItem), o.activeItems(); got > want {
		t.Errorf("%d items have events, want at most %d (%d new)", got, want, st.NewItems)
	}
	if ua := hill(values(perUser), 20); math.Abs(ua-UserAlpha) > 0.15 {
		t.Errorf("user activity exponent %.2f, want %.2f +- 0.15", ua, UserAlpha)
	}
	if ia := hill(values(perItem), 1); math.Abs(ia-ItemAlpha) > 0.15 {
		t.Errorf("item popularity exponent %.2f, want %.2f +- 0.15", ia, ItemAlpha)
	}
}

// TestExponents_FitMovieLens recomputes the exponents the generator uses from the bundled
// MovieLens ratings.
func TestExponents_FitMovieLens(t *testing.T) {
	d, err := dataset.ReadMovieLens(filepath.Join("..", "..", "examples", "ml-latest-small"))
	if err != nil {
		t.Fatal(err)
	}
	perUser, perItem := map[string]float64{}, map[string]float64{}
	for _, e := range d.Events {
		perUser[e.UserID]++
		perItem[e.ItemID]++
	}
	if ua := hill(values(perUser), 20); math.Abs(ua-UserAlpha) > 0.005 {
		t.Errorf("MovieLens user activity exponent %.3f, UserAlpha %.2f", ua, UserAlpha)
	}
	if ia := hill(values(perItem), 1); math.Abs(ia-ItemAlpha) > 0.005 {
		t.Errorf("MovieLens item popularity exponent %.3f, ItemAlpha %.2f", ia, ItemAlpha)
	}
}

// hill is the discrete power-law exponent estimate over the values >= xmin.
func hill(xs []float64, xmin float64) float64 {
	n, s := 0.0, 0.0
	for _, x := range xs {
		if x >= xmin {
			n++
			s += math.Log(x / (xmin - 0.5))
		}
	}
	return 1 + n/s
}

func values(m map[string]float64) []float64 {
	out := make([]float64, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestGenerate_MemoryDoesNotGrowWithEvents: with the same users and items, four times the
// events allocate almost nothing more (the events stream out; only the largest history's
// buffer grows), while they write four times the bytes.
func TestGenerate_MemoryDoesNotGrowWithEvents(t *testing.T) {
	o := small(t, 200000, 3)
	alloc := func(events int64) (uint64, int64) {
		o := o
		o.Events = events
		var ms0, ms1 runtime.MemStats
		var cw countWriter
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		if _, err := Generate(context.Background(), o, io.Discard, &cw, nil); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&ms1)
		return ms1.TotalAlloc - ms0.TotalAlloc, cw.n
	}
	a1, w1 := alloc(50000)
	a4, w4 := alloc(200000)
	t.Logf("50k events: %d bytes allocated, %d written; 200k: %d allocated, %d written", a1, w1, a4, w4)
	if extra := int64(a4) - int64(a1); extra > (w4-w1)/20 {
		t.Errorf("150k more events allocated %d more bytes (%d more written); want under 5%% of what they wrote", extra, w4-w1)
	}
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func TestOptions_Validate(t *testing.T) {
	o := small(t, 10000, 1)
	o.Events = int64(o.Users) * int64(o.maxPerUser()+1)
	if err := o.Validate(); err == nil {
		t.Error("more events than the users' histories hold: no error")
	}
	if _, err := Preset("huge"); err == nil {
		t.Error("unknown preset: no error")
	}
}

// BenchmarkGenerate writes a scaled-down ml20m; allocs/op and B/op are per generated data
// set, ns/event per event.
func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int64{100000, 1000000} {
		o := small(b, n, 1)
		b.Run(strconv.FormatInt(n, 10), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Generate(context.Background(), o, io.Discard, io.Discard, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(int64(b.N)*n), "ns/event")
		})
	}
}

// sessionGaps returns the median time between consecutive events of a user within a session
// and between the last of one session and the first of the next.
func sessionGaps(t *testing.T, evs []event) (within, between time.Duration) {
	var in, out []time.Duration
	for i := 1; i < len(evs); i++ {
		a, b := evs[i-1], evs[i]
		if a.UserID != b.UserID {
			continue
		}
		ta, err1 := time.Parse(time.RFC3339, a.Timestamp)
		tb, err2 := time.Parse(time.RFC3339, b.Timestamp)
		if err1 != nil || err2 != nil || tb.Before(ta) {
			t.Fatalf("events of %s out of order or unparsable: %s, %s", a.UserID, a.Timestamp, b.Timestamp)
		}
		if a.SessionID == b.SessionID {
			in = append(in, tb.Sub(ta))
		} else {
			out = append(out, tb.Sub(ta))
		}
	}
	slices.Sort(in)
	slices.Sort(out)
	return in[len(in)/2], out[len(out)/2]
}

// TestGenerate_EventsStayInsideTheSpan: users with thousands of events (as the heaviest
// users of the full ml20m preset have) would run past the span's end, into the future, at
// the configured gaps; their gaps shrink instead, so every event is dated inside the span.
func TestGenerate_EventsStayInsideTheSpan(t *testing.T) {
	o := small(t, 50_000, 3)
	o.Users, o.Items = 8, 40_000 // about 6,000 events a user: 750 sessions 5 days apart
	_, events, _ := generate(t, o)
	end := o.Start.Add(o.Span)
	sc := bufio.NewScanner(bytes.NewReader(events))
	var n int
	var newest time.Time
	for sc.Scan() {
		var e struct{ Timestamp time.Time }
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if e.Timestamp.Before(o.Start) || e.Timestamp.After(end) {
			t.Fatalf("event %d dated %s, outside [%s, %s]", n, e.Timestamp, o.Start, end)
		}
		if e.Timestamp.After(newest) {
			newest = e.Timestamp
		}
		n++
	}
	if n < 40_000 {
		t.Fatalf("%d events, want about 50,000", n)
	}
	if newest.Before(end.Add(-o.Span / 5)) {
		t.Errorf("newest event %s: the heavy users' events should reach the span's last fifth", newest)
	}
}
