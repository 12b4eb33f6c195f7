package eval_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/eval"
	"github.com/recd/recd/stats"
)

func userResult(user string, ndcg float64) eval.UserResult {
	return eval.UserResult{User: user, Metrics: map[string]float64{eval.MetricNDCG: ndcg}}
}

// Each group's mean is its users' mean; a user without the attribute is unknown and never
// ranked; the gap's p-value is the delta-method test of the two groups' users.
func TestGroupBy_HandChecked(t *testing.T) {
	res := &eval.Result{Model: "m", PerUser: []eval.UserResult{
		userResult("a1", 0.5), userResult("a2", 0.3), userResult("a3", 0.4),
		userResult("b1", 0.1), userResult("b2", 0.2),
		userResult("c1", 0.9), // a group of one: too small to rank at min 2
		userResult("x", 1),    // no attribute
	}}
	groupOf := map[string]string{"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B", "c1": "C"}
	mg := eval.GroupBy(res, groupOf, 2)
	got := map[string][2]float64{}
	for _, g := range mg.Groups {
		got[g.Group] = [2]float64{float64(g.Users), g.Metrics[eval.MetricNDCG]}
	}
	want := map[string][2]float64{"A": {3, 0.4}, "B": {2, 0.15}, "C": {1, 0.9}, eval.GroupUnknown: {1, 1}}
	for k, w := range want {
		if g, ok := got[k]; !ok || g[0] != w[0] || math.Abs(g[1]-w[1]) > 1e-12 {
			t.Errorf("group %s = %v, want %v users with mean %v", k, g, w[0], w[1])
		}
	}
	if len(got) != len(want) || mg.Groups[0].Group != "A" {
		t.Errorf("groups %v, want A first (most users), then %v", got, want)
	}
	gap, ok := mg.LargestGap[eval.MetricNDCG]
	if !ok || gap.Highest != "A" || gap.Lowest != "B" || math.Abs(gap.Gap-0.25) > 1e-12 || gap.PValue == nil {
		t.Fatalf("gap = %+v; want A over B by 0.25 with a p-value", gap)
	}
	pair := func(v float64) stats.Pair { return stats.Pair{Num: v, Den: 1} }
	c, err := stats.Compare([]stats.Pair{pair(0.1), pair(0.2)}, []stats.Pair{pair(0.5), pair(0.3), pair(0.4)}, 0.95)
	if err != nil || *gap.PValue != c.P {
		t.Errorf("gap p-value %v, want stats.Compare's %v (%v)", *gap.PValue, c.P, err)
	}
}

func TestReadUserGroups(t *testing.T) {
	for _, tc := range []struct {
		file, attr string
		want       map[string]string
	}{
		{"users.jsonl", "age_band", map[string]string{"1": "18-24", "2": "25-34", "4": "18-24"}},
		{"users.jsonl", "premium", map[string]string{"1": "true"}},
		{"users.jsonl", "score", map[string]string{"2": "3.5"}},
		{"users.jsonl", "tags", map[string]string{"4": `["a","b"]`}},
		{"users.csv", "age_band", map[string]string{"1": "18-24", "2": "25-34", "4": "18-24"}},
		{"users.csv", "country", map[string]string{"1": "fr", "2": "de", "3": "fr"}},
	} {
		got, err := eval.ReadUserGroups(filepath.Join("testdata", tc.file), tc.attr)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ReadUserGroups(%s, %s) = %v, %v; want %v", tc.file, tc.attr, got, err, tc.want)
		}
	}
	if _, err := eval.ReadUserGroups(filepath.Join("testdata", "users.csv"), "colour"); !errors.Is(err, recd.ErrInvalid) {
		t.Errorf("a CSV without the attribute's column: err = %v, want ErrInvalid", err)
	}
}

// recd eval --group-by user.<attribute> reports each group's metrics and the largest gap, in
// JSON and markdown; bad flag combinations name the flag.
func TestRunCLI_GroupBy(t *testing.T) {
	dir := writeMovieLens(t)
	users := filepath.Join(t.TempDir(), "users.csv")
	var b strings.Builder
	b.WriteString("user_id,taste\n")
	for u := 0; u < 54; u++ { // users 54..59 have no attribute
		fmt.Fprintf(&b, "%d,%s\n", u, []string{"A", "B"}[u%2])
	}
	if err := os.WriteFile(users, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--data", dir, "--models", "ease", "--k", "5", "--group-by", "user.taste", "--users", users, "--min-group-users", "5"}
	var out, errb bytes.Buffer
	if err := eval.RunCLI(t.Context(), append(args, "--output", "json"), &out, &errb, testModels()); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var rep struct {
		Models map[string]struct{ Users int } `json:"models"`
		Groups eval.GroupReport               `json:"groups"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Groups.By != "user.taste" || len(rep.Groups.Models) != 1 {
		t.Fatalf("groups = %+v", rep.Groups)
	}
	mg := rep.Groups.Models[0]
	sum, names := 0, map[string]bool{}
	for _, g := range mg.Groups {
		sum += g.Users
		names[g.Group] = true
	}
	if sum != rep.Models["ease"].Users || !names["A"] || !names["B"] || !names[eval.GroupUnknown] {
		t.Errorf("groups %+v: want A, B and unknown summing to the %d evaluated users", mg.Groups, rep.Models["ease"].Users)
	}
	if g, ok := mg.LargestGap[eval.MetricNDCG]; !ok || g.Gap < 0 || g.PValue == nil || (g.Highest != "A" && g.Highest != "B") {
		t.Errorf("ndcg gap = %+v; want one between A and B with a p-value", g)
	}

	out.Reset()
	if err := eval.RunCLI(t.Context(), args, &out, &errb, testModels()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "### ease by user.taste") || !strings.Contains(out.String(), "Largest gap") {
		t.Errorf("markdown has no group section:\n%s", out.String())
	}

	for _, tc := range []struct {
		args  []string
		field string
	}{
		{[]string{"--group-by", "user.taste"}, "users"},
		{[]string{"--group-by", "taste", "--users", users}, "group-by"},
		{[]string{"--users", users}, "users"},
		{[]string{"--group-by", "user.taste", "--users", users, "--min-group-users", "1"}, "min-group-users"},
	} {
		err := eval.RunCLI(t.Context(), append([]string{"--data", dir}, tc.args...), &out, &errb, testModels())
		var fe *recd.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%v: err = %v, want one naming %s", tc.args, err, tc.field)
		}
	}
}
