package oip_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"

	"github.com/recd/recd/oip"
	"github.com/recd/recd/oip/oiptest"
	"github.com/recd/recd/rank"
)

// weighted scores a row as sum of (column+1) * value: every column counts, in order.
func weighted(names []string, X []float32, rows int) []float64 {
	out := make([]float64, rows)
	for r := range rows {
		for f := range names {
			out[r] += float64(f+1) * float64(X[r*len(names)+f])
		}
	}
	return out
}

func TestClient_ScoreRows(t *testing.T) {
	srv := oiptest.NewServer("ranker", weighted)
	defer srv.Close()
	c, err := oip.New(srv.URL+"/", "ranker", nil)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"a", "b", "c"}
	X := []float32{1, 0, 0, 0, 1, 0, 0.5, 0.5, 2}
	got, err := c.ScoreRows(context.Background(), names, X, 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{1, 2, 7.5}; !slices.Equal(got, want) {
		t.Fatalf("scores %v, want %v", got, want)
	}
	req, calls := srv.Last()
	if calls != 1 || req.InputName != oip.InputName || req.Datatype != "FP32" || !slices.Equal(req.Shape, []int{3, 3}) {
		t.Fatalf("request %+v (%d calls)", req, calls)
	}
	if !slices.Equal(req.FeatureNames, names) || req.FeatureSet != strconv.FormatUint(rank.HashFeatures(names), 16) {
		t.Fatalf("feature names %v, set %q: the server cannot check the feature set", req.FeatureNames, req.FeatureSet)
	}
	if !slices.Equal(req.X, X) {
		t.Fatalf("rows %v, want %v", req.X, X)
	}
}

func TestClient_ScoreRowsErrors(t *testing.T) {
	srv := oiptest.NewServer("ranker", weighted)
	defer srv.Close()
	c, _ := oip.New(srv.URL, "ranker", nil)
	names, X := []string{"a"}, []float32{1, 2}
	srv.SetFail(http.StatusInternalServerError)
	if _, err := c.ScoreRows(context.Background(), names, X, 2); err == nil {
		t.Fatal("a 500 gave scores")
	}
	srv.SetFail(0)
	other, _ := oip.New(srv.URL, "other", nil)
	if _, err := other.ScoreRows(context.Background(), names, X, 2); err == nil {
		t.Fatal("an unknown model gave scores")
	}
	if _, err := c.ScoreRows(context.Background(), names, X, 3); err == nil {
		t.Fatal("3 rows of 2 values were sent")
	}
	for _, body := range []string{
		`{"outputs":[{"name":"s","shape":[1],"datatype":"FP32","data":[1]}]}`,        // 1 score for 2 rows
		`{"outputs":[{"name":"s","shape":[2],"datatype":"BYTES","data":["x","y"]}]}`, // not numbers
		`{"outputs":[]}`,
		`not json`,
	} {
		bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, body) }))
		bc, _ := oip.New(bad.URL, "m", nil)
		_, err := bc.ScoreRows(context.Background(), names, X, 2)
		bad.Close()
		if !errors.Is(err, oip.ErrProtocol) {
			t.Errorf("answer %s: err %v, want ErrProtocol", body, err)
		}
	}
}

func TestNew_RefusesBadAddresses(t *testing.T) {
	for _, tc := range []struct{ url, model string }{{"", "m"}, {"ftp://h", "m"}, {"http://", "m"}, {"http://h", ""}, {"http://h", "a/b"}} {
		if _, err := oip.New(tc.url, tc.model, nil); err == nil {
			t.Errorf("New(%q, %q) accepted", tc.url, tc.model)
		}
	}
}
