package service

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainer_LimitsAreLoggedAndListed checks that a guard that limits a training run is
// neither silent in the log nor in the versions list: EASE refused above its item cap,
// item-kNN's heavy users sampled, and the ranker's groups sampled from more users than its
// bound, each appear once as a limit on
// the served version (and in the log), with the reason; a run without those guards has none.
func TestTrainer_LimitsAreLoggedAndListed(t *testing.T) {
	var logs bytes.Buffer
	s := openRankedWith(t, filepath.Join(t.TempDir(), "recd.db"), true, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		o.EASE.MaxItems = 50    // the fixture keeps about 300 items
		o.Ranker.maxUsers = 200 // of 240 users, nearly all with labels
		o.KNN.MaxUserItems = 5  // most users have more
	})
	models, err := s.Models(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []TrainLimit
	for _, m := range models {
		if m.Serving {
			got = m.Limits
		}
	}
	want := map[string]string{"ease": LimitSkipped, "ranker": LimitLimited, "itemknn": LimitLimited}
	if len(got) != len(want) {
		t.Fatalf("limits %+v, want one for each of %v", got, want)
	}
	for _, l := range got {
		if want[l.Model] != l.Action || l.Reason == "" {
			t.Errorf("limit %+v, want action %q with a reason", l, want[l.Model])
		}
		if !strings.Contains(logs.String(), "model="+l.Model) {
			t.Errorf("the log does not name the %s limit", l.Model)
		}
	}
	if s.snap.Load().models.EASE != nil {
		t.Error("EASE serves although it was reported skipped")
	}

	plain := openRanked(t, filepath.Join(t.TempDir(), "recd.db"), true)
	if l := plain.snap.Load().info.Limits; len(l) != 0 {
		t.Errorf("a run without limiting guards reports %+v", l)
	}
}
