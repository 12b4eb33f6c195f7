package recd_test

import (
	"testing"

	"github.com/recd/recd"
)

func TestCategoryJaccard(t *testing.T) {
	for _, c := range []struct {
		a, b []string
		want float64
	}{
		{[]string{"Comedy", "Drama"}, []string{"Comedy"}, 0.5},
		{[]string{"Comedy"}, []string{"Comedy"}, 1},
		{[]string{"Comedy"}, []string{"Horror"}, 0},
		{[]string{"A", "B", "C"}, []string{"B", "C", "D"}, 0.5},
		{nil, []string{"Comedy"}, 0},
		{nil, nil, 0},
	} {
		if got := recd.CategoryJaccard(c.a, c.b); got != c.want {
			t.Errorf("CategoryJaccard(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
