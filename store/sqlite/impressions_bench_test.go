package sqlite_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd/store"
	"github.com/recd/recd/store/sqlite"
)

// heavyUserLists is how many lists the benchmark's heavy user was served in the window: a
// user asking several times a second for half an hour.
const heavyUserLists = 3000

// otherUsers are the users served beside the heavy one, 30 lists each.
const otherUsers = 1000

// BenchmarkSQLite_LatestImpressionOf looks up attribution for a user served heavyUserLists
// lists of 10 items (from 10,000, seeded) within 30 minutes, beside otherUsers users with 30
// lists each, looking at every list in the window: an item the newest list showed, one only a list
// served 1,000 lists earlier showed, and one no list showed (the lookup an event on an
// unrecommended item makes).
func BenchmarkSQLite_LatestImpressionOf(b *testing.B) { benchLatestImpressionOf(b, 0, false) }

// BenchmarkSQLite_LatestImpressionOfBounded is the same lookup bounded to the user's newest
// 100 lists: the "old" list is then beyond the bound.
func BenchmarkSQLite_LatestImpressionOfBounded(b *testing.B) { benchLatestImpressionOf(b, 100, false) }

// BenchmarkSQLite_LatestImpressionOfWhileWriting is the bounded lookup with one list of
// another user written before each (untimed), as a serving replica writes lists between
// lookups: a write ends the read connections' page caches (SQLite resets a connection's cache
// when the WAL has changed since its last read), so the lookup reads its pages afresh.
func BenchmarkSQLite_LatestImpressionOfWhileWriting(b *testing.B) {
	benchLatestImpressionOf(b, 100, true)
}

func benchLatestImpressionOf(b *testing.B, lists int, writing bool) {
	s, err := sqlite.Open(filepath.Join(b.TempDir(), "imp.db"), sqlite.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := b.Context()
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	var batch []store.Impression
	add := func(user string, n int, at func(i int) time.Time) {
		for i := range n {
			// Ids sort by time, as recommendation ids do, so that a user's lists lie among
			// everyone else's in the table.
			im := store.Impression{ID: fmt.Sprintf("%019d-%s", at(i).UnixNano(), user), UserID: user, Route: "recommend", Strategy: "cf", Time: at(i)}
			for p := range 10 {
				im.Items = append(im.Items, store.ImpressionItem{ItemID: fmt.Sprintf("i%d", rng.IntN(10000)), Position: p, Score: 1 / float64(p+1)})
			}
			if i == n-1001 {
				im.Items[3].ItemID = "old"
			}
			if i == n-1 {
				im.Items[5].ItemID = "newest"
			}
			batch = append(batch, im)
		}
	}
	add("heavy", heavyUserLists, func(i int) time.Time { return t0.Add(time.Duration(i) * 30 * time.Minute / heavyUserLists) })
	for u := range otherUsers {
		add(fmt.Sprintf("u%d", u), 30, func(i int) time.Time { return t0.Add(time.Duration(i)*time.Minute + time.Duration(u)*time.Millisecond) })
	}
	slices.SortFunc(batch, func(a, b store.Impression) int { return strings.Compare(a.ID, b.ID) }) // written as served
	for lo := 0; lo < len(batch); lo += 500 {
		if err := s.PutImpressions(ctx, batch[lo:min(lo+500, len(batch))]); err != nil {
			b.Fatal(err)
		}
	}
	since, until := t0, t0.Add(31*time.Minute)
	written := 0
	for _, item := range []string{"newest", "old", "never"} {
		b.Run(item, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if writing {
					b.StopTimer()
					written++
					im := store.Impression{ID: fmt.Sprintf("w-%08d", written), UserID: "writer", Route: "recommend", Time: until,
						Items: []store.ImpressionItem{{ItemID: "x", Position: 0}}}
					if err := s.PutImpressions(ctx, []store.Impression{im}); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				_, err := s.LatestImpressionOf(ctx, "heavy", item, since, until, lists)
				if err != nil && item == "newest" {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSQLite_PutImpressions writes one flush of 500 lists of 10 items, of 600 users, into
// a table that already holds 20,000: the cost of the impressions' indexes on the writer.
func BenchmarkSQLite_PutImpressions(b *testing.B) {
	s, err := sqlite.Open(filepath.Join(b.TempDir(), "imp.db"), sqlite.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := b.Context()
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	n := 0
	flush := func() []store.Impression {
		out := make([]store.Impression, 500)
		for i := range out {
			n++
			at := t0.Add(time.Duration(n) * time.Millisecond)
			out[i] = store.Impression{ID: fmt.Sprintf("%019d", at.UnixNano()), UserID: fmt.Sprintf("u%d", rng.IntN(600)), Route: "recommend", Time: at}
			for p := range 10 {
				out[i].Items = append(out[i].Items, store.ImpressionItem{ItemID: fmt.Sprintf("i%d", rng.IntN(10000)), Position: p, Score: 1 / float64(p+1)})
			}
		}
		return out
	}
	for range 40 {
		if err := s.PutImpressions(ctx, flush()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		batch := flush()
		b.StartTimer()
		if err := s.PutImpressions(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}
