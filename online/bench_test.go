package online_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/online"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/sqlite"
)

// slowScanner serves n lists of one item, each after a pause, and no events.
type slowScanner struct {
	n     int
	pause time.Duration
}

func (s slowScanner) ScanImpressions(ctx context.Context, from, _ time.Time, fn func(store.Impression) error) error {
	for i := range s.n {
		time.Sleep(s.pause)
		if err := ctx.Err(); err != nil {
			return err
		}
		im := store.Impression{ID: fmt.Sprintf("L%06d", i), UserID: "u", Time: from, Items: []store.ImpressionItem{{ItemID: "a"}}}
		if err := fn(im); err != nil {
			return err
		}
	}
	return nil
}

func (slowScanner) ScanAttributedEvents(context.Context, time.Time, time.Time, func(recd.Event) error) error {
	return nil
}

// A store too slow for the request's deadline gives a partial, truncated answer instead of
// a timeout.
func TestFold_StopsBeforeTheDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	r, err := online.Fold(ctx, slowScanner{n: 1_000_000, pause: 20 * time.Microsecond}, online.Env{},
		online.Query{From: t0, To: t0.Add(time.Hour)}, online.Options{})
	if err != nil {
		t.Fatalf("Fold past its deadline: %v, want a truncated answer", err)
	}
	if !r.Truncated || len(r.Groups) != 1 || r.Groups[0].Lists == 0 || r.Groups[0].Lists >= 1_000_000 {
		t.Errorf("truncated %v, groups %d; want a truncated answer with some of the lists", r.Truncated, len(r.Groups))
	}
}

// BenchmarkFold folds a window of n lists of 10 items with a click on one list in ten from
// a SQLite store: the cost of GET /v1/metrics/online per list read.
func BenchmarkFold(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("lists=%d", n), func(b *testing.B) {
			st, err := sqlite.Open(filepath.Join(b.TempDir(), "recd.db"), sqlite.DefaultOptions())
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			ctx := context.Background()
			var batch []store.Impression
			var events []recd.Event
			for i := range n {
				id := fmt.Sprintf("L%07d", i)
				user := fmt.Sprintf("u%d", i%5000)
				im := list(id, user, "", "exp", []string{"A", "B"}[i%2], t0.Add(time.Duration(i)*time.Millisecond))
				for p := range 10 {
					im.Items = append(im.Items, store.ImpressionItem{ItemID: fmt.Sprintf("i%d", (i+p*7)%3000), Position: p, Score: 1})
				}
				batch = append(batch, im)
				if i%10 == 0 {
					events = append(events, ev(user, "click", id, i%10, im.Time.Add(time.Second)))
				}
				if len(batch) == 1000 {
					if err := st.PutImpressions(ctx, batch); err != nil {
						b.Fatal(err)
					}
					batch = batch[:0]
				}
			}
			for len(events) > 0 {
				k := min(len(events), 1000)
				if _, err := st.AddEvents(ctx, events[:k]); err != nil {
					b.Fatal(err)
				}
				events = events[k:]
			}
			q := online.Query{From: t0, To: t0.Add(24 * time.Hour), GroupBy: online.ByVariant}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				r, err := online.Fold(ctx, st, online.Env{}, q, online.Options{})
				if err != nil || r.Groups[0].Lists+r.Groups[1].Lists != int64(n) {
					b.Fatalf("fold: %v", err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/list")
		})
	}
}
