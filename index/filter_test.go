package index_test

import (
	"math"
	"testing"

	"github.com/recd/recd/index"
)

func TestMatcher_Match(t *testing.T) {
	p := index.Payload{Categories: []string{"a", "b"}, Available: false}
	for name, c := range map[string]struct {
		f    *index.Filter
		want bool
	}{
		"nil":            {nil, true},
		"zero":           {&index.Filter{}, true},
		"any of":         {&index.Filter{Categories: []string{"z", "b"}}, true},
		"none of any":    {&index.Filter{Categories: []string{"z"}}, false},
		"exclude":        {&index.Filter{ExcludeCategories: []string{"a"}}, false},
		"available only": {&index.Filter{AvailableOnly: true}, false},
		"allow":          {&index.Filter{Allow: []string{"id"}}, true},
		"allow other":    {&index.Filter{Allow: []string{"x"}}, false},
		"empty allow":    {&index.Filter{Allow: []string{}}, false},
		"deny":           {&index.Filter{Deny: []string{"id"}}, false},
	} {
		if got := index.Matches(c.f, "id", p); got != c.want {
			t.Errorf("%s: Matches = %v, want %v", name, got, c.want)
		}
	}
}

func TestDotProduct(t *testing.T) {
	a := make([]float32, 67)
	b := make([]float32, 67)
	var want, wantL2 float64
	for i := range a {
		a[i], b[i] = float32(i%7)-3, float32(i%5)*0.5
		want += float64(a[i]) * float64(b[i])
		wantL2 += float64(a[i]-b[i]) * float64(a[i]-b[i])
	}
	if got := index.DotProduct(a, b); math.Abs(float64(got)-want) > 1e-3 {
		t.Errorf("DotProduct = %v, want %v", got, want)
	}
	if got := index.L2Squared(a, b); math.Abs(float64(got)-wantL2) > 1e-3 {
		t.Errorf("L2Squared = %v, want %v", got, wantL2)
	}
	index.Normalize(a)
	if n := index.Norm(a); math.Abs(float64(n)-1) > 1e-5 {
		t.Errorf("norm after Normalize = %v", n)
	}
}
