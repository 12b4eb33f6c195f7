package service

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/internal/racetest"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/sqlite"
)

// openRanked opens a service with the ranker on over the SQLite file db; when fill is set it
// loads a catalog and a time-structured history and trains. Items are released one per hour;
// each user is active during their own window of hours and mostly picks, from their favourite
// genre, what was released in the last few hours of that window (what is new and popular at
// their time), which the blend's all-time scores cannot see and the ranker's features can.
func openRanked(t *testing.T, db string, fill bool, features ...string) *Service {
	t.Helper()
	return openRankedWith(t, db, fill, func(o *Options) { o.Ranker.Features = features })
}

// openRankedWith is openRanked with options that configure changes.
func openRankedWith(t *testing.T, db string, fill bool, configure func(*Options)) *Service {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(db, sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	idx, err := hnsw.New(hnsw.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Index, o.ALS.Factors, o.ALS.Iterations, o.LSA.Dim = idx, 8, 2, 8
	configure(&o)
	s, err := New(ctx, st, o)
	if err != nil {
		t.Fatal(err)
	}
	if !fill {
		return s
	}
	if racetest.Enabled {
		t.Skip(racetest.TrainMsg)
	}
	const nItems, nUsers = 300, 240
	genres := []string{"Comedy", "Drama", "Horror", "Action"}
	items := make([]recd.Item, nItems)
	for i := range items {
		g := genres[i%4]
		items[i] = recd.Item{ID: fmt.Sprintf("i%03d", i), Title: fmt.Sprintf("%s %d", g, i), Categories: []string{g},
			Available: true, Attributes: map[string]any{"price": float64(i % 7)}}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	base := time.Now().Add(-30 * 24 * time.Hour).UTC()
	var evs []recd.Event
	for u := range nUsers {
		g, start := u%4, 10+rng.IntN(nItems-40)
		for k := range 15 {
			h := start + k*2 // the hour of this event; items up to h are released
			i := h - rng.IntN(6)
			if rng.IntN(3) == 0 {
				i = rng.IntN(h)
			}
			i = i - i%4 + g // the user's genre
			if i > h {
				i -= 4
			}
			evs = append(evs, recd.Event{UserID: fmt.Sprintf("u%03d", u), ItemID: items[max(i, g)].ID, Type: "click",
				Timestamp: base.Add(time.Duration(h)*time.Hour + time.Duration(k)*time.Second)})
		}
	}
	if err := s.PutItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Train(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTrainer_RankerServesWhenItBeatsTheBlend(t *testing.T) {
	s := openRanked(t, filepath.Join(t.TempDir(), "recd.db"), true)
	ctx := t.Context()
	sv := s.snap.Load()
	ri := sv.info.Ranker
	if ri == nil {
		t.Fatal("no ranker info after training with the ranker on")
	}
	t.Logf("%+v", *ri)
	if ri.TrainGroups < rankerMinGroups || ri.ValidGroups == 0 || ri.Trees == 0 {
		t.Fatalf("groups %d/%d, trees %d", ri.TrainGroups, ri.ValidGroups, ri.Trees)
	}
	if !ri.Serving || !(ri.ValidNDCG > ri.BlendNDCG) || sv.models.Ranker == nil {
		t.Fatalf("ranker not serving on data where recency decides: %+v", *ri)
	}
	if len(ri.Importance) != len(ri.Features) || len(ri.Curve) == 0 {
		t.Errorf("importance of %d features for %d names; curve of %d rounds", len(ri.Importance), len(ri.Features), len(ri.Curve))
	}
	models, err := s.Models(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range models {
		if m.Serving != (m.Ranker != nil) {
			t.Errorf("version %s: serving %v but ranker info %v", m.Version, m.Serving, m.Ranker)
		}
	}
	resp, err := s.Recommend(ctx, RecommendRequest{UserID: "u007", N: 10})
	if err != nil || len(resp.Items) != 10 {
		t.Fatalf("recommend: %v, %d items", err, len(resp.Items))
	}
	for _, it := range resp.Items {
		if len(it.Reasons) == 0 || it.Reasons[0].Text == "" {
			t.Errorf("%s has no reason", it.ID)
		}
	}
}

// resave saves art's bundle again as the newest version after change alters it.
func resave(t *testing.T, st store.Store, art store.Artifact, change func(*bundle)) {
	t.Helper()
	ctx := context.Background()
	bd, err := decodeBundle(art)
	if err != nil {
		t.Fatal(err)
	}
	change(bd)
	latest, err := st.LatestArtifact(ctx, artifactKind)
	if err != nil {
		t.Fatal(err)
	}
	bd.Created = latest.Created.Add(time.Second)
	bd.Version = bd.Created.Format("20060102T150405.000000Z")
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(bd); err != nil {
		t.Fatal(err)
	}
	art.Version, art.Created, art.Blob, art.Size = bd.Version, bd.Created, buf.Bytes(), int64(buf.Len())
	if err := st.SaveArtifact(ctx, art); err != nil {
		t.Fatal(err)
	}
}

func TestTrainer_RankerRefusedAtLoad(t *testing.T) {
	db := filepath.Join(t.TempDir(), "recd.db")
	trained := openRanked(t, db, true)
	if trained.snap.Load().models.Ranker == nil {
		t.Fatal("fixture: no ranker to refuse")
	}
	orig, err := trained.st.LatestArtifact(t.Context(), artifactKind)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		change   func(*bundle)
		features []string
		want     string
	}{
		{"corrupt", func(bd *bundle) { bd.Ranker[len(bd.Ranker)/2] ^= 0x40 }, nil, "corrupt"},
		{"truncated", func(bd *bundle) { bd.Ranker = bd.Ranker[:len(bd.Ranker)-9] }, nil, "corrupt"},
		{"another feature set", func(*bundle) {}, []string{"price"}, "another feature set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resave(t, trained.st, orig, tc.change)
			s := openRanked(t, db, false, tc.features...)
			sv := s.snap.Load()
			if sv == nil {
				t.Fatal("the bundle was not served at all")
			}
			if sv.models.Ranker != nil {
				t.Fatal("a refused ranker serves")
			}
			ri := sv.info.Ranker
			if ri == nil || ri.Serving || !strings.Contains(ri.Reason, "refused") || !strings.Contains(ri.Reason, tc.want) {
				t.Fatalf("ranker info %+v, want refused: %s", ri, tc.want)
			}
			resp, err := s.Recommend(t.Context(), RecommendRequest{UserID: "u007", N: 10})
			if err != nil || len(resp.Items) != 10 {
				t.Fatalf("the blend does not serve: %v, %d items", err, len(resp.Items))
			}
		})
	}
}

func TestDecodeRanker(t *testing.T) {
	s := openRanked(t, filepath.Join(t.TempDir(), "recd.db"), true)
	art, err := s.st.LatestArtifact(t.Context(), artifactKind)
	if err != nil {
		t.Fatal(err)
	}
	bd, _ := decodeBundle(art)
	fs := rank.NewFeatureSet(nil)
	if _, err := decodeRanker(bd.Ranker, fs); err != nil {
		t.Fatalf("the saved ranker: %v", err)
	}
	for k := 0; k < len(bd.Ranker); k += max(1, len(bd.Ranker)/40) {
		b := bytes.Clone(bd.Ranker)
		b[k] ^= 1
		if _, err := decodeRanker(b, fs); !errors.Is(err, errCorruptRanker) {
			t.Fatalf("byte %d flipped: err = %v, want errCorruptRanker", k, err)
		}
	}
	for _, n := range []int{0, 3, len(rankerMagic), len(bd.Ranker) / 2} {
		if _, err := decodeRanker(bd.Ranker[:n], fs); !errors.Is(err, errCorruptRanker) {
			t.Errorf("cut at %d: err = %v, want errCorruptRanker", n, err)
		}
	}
	if _, err := decodeRanker(bd.Ranker, rank.NewFeatureSet([]string{"price"})); !errors.Is(err, rank.ErrFeatureSet) {
		t.Errorf("another feature set: err = %v, want rank.ErrFeatureSet", err)
	}
}

// TestSavedBundle_PacksTimesAndDropsALSUsers: the saved bundle holds the items' times packed
// and ALS without user vectors; decoded, the times are the served ones. A bundle of the
// previous format (times unpacked, user vectors kept) still decodes; one of a format this
// binary does not know is refused.
func TestSavedBundle_PacksTimesAndDropsALSUsers(t *testing.T) {
	s := openRanked(t, filepath.Join(t.TempDir(), "recd.db"), true)
	art, err := s.st.LatestArtifact(t.Context(), artifactKind)
	if err != nil {
		t.Fatal(err)
	}
	served := s.snap.Load().models
	var raw bundle
	if err := gob.NewDecoder(bytes.NewReader(art.Blob)).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if raw.Times == nil || raw.Times.Times != nil || len(raw.Times.Packed) == 0 {
		t.Fatal("the saved bundle's times are not packed")
	}
	bd, err := decodeBundle(art)
	if err != nil {
		t.Fatal(err)
	}
	if bd.Format != bundleFormat || bd.Times == nil || len(bd.Times.Times) == 0 || !slices.Equal(bd.Times.Times, served.Times.Times) ||
		!slices.Equal(bd.Times.Off, served.Times.Off) || bd.Times.Base != served.Times.Base || bd.Times.Newest != served.Times.Newest {
		t.Fatal("the saved times, decoded, are not the served ones")
	}
	if bd.ALS.UserFactors().Rows != 0 || served.ALS.UserFactors().Rows == 0 {
		t.Errorf("saved ALS has %d user rows, the served one %d; want none saved", bd.ALS.UserFactors().Rows, served.ALS.UserFactors().Rows)
	}
	for _, c := range []struct {
		format int
		ok     bool
	}{{minBundleFormat, true}, {minBundleFormat - 1, false}, {bundleFormat + 1, false}} {
		old := *bd
		old.Format, old.ALS = c.format, served.ALS // times unpacked, users kept: format 2's layout
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(&old); err != nil {
			t.Fatal(err)
		}
		got, err := decodeBundle(store.Artifact{Version: "v", Blob: buf.Bytes()})
		switch {
		case c.ok && (err != nil || !slices.Equal(got.Times.Times, served.Times.Times)):
			t.Errorf("format %d: %v; want it decoded with the same times", c.format, err)
		case !c.ok && err == nil:
			t.Errorf("format %d decoded; want it refused", c.format)
		}
	}
}
