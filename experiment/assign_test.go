package experiment

import (
	"fmt"
	"math"
	"testing"
)

func TestExperiment_Assign_Proportions(t *testing.T) {
	e := valid()
	e.Variants = []Variant{{Name: "a", Weight: 10}, {Name: "b", Weight: 30}, {Name: "c", Weight: 0}, {Name: "d", Weight: 60}}
	const n = 100000
	counts := make([]int, len(e.Variants))
	for i := range n {
		counts[e.Assign(fmt.Sprintf("user-%d", i))]++
	}
	for i, v := range e.Variants {
		want := v.Weight / 100 * n
		// five standard deviations of a binomial count
		tol := 5 * math.Sqrt(n*v.Weight/100*(1-v.Weight/100))
		if math.Abs(float64(counts[i])-want) > tol {
			t.Errorf("variant %s got %d of %d units, want %.0f ± %.0f", v.Name, counts[i], n, want, tol)
		}
	}
	if counts[2] != 0 {
		t.Errorf("a variant of weight 0 got %d units", counts[2])
	}
}

func TestExperiment_Assign_Sticky(t *testing.T) {
	e := valid()
	other := valid() // a second copy, as another replica would decode it
	for i := range 1000 {
		u := fmt.Sprintf("u%d", i)
		first := e.Assign(u)
		for range 3 {
			if got := e.Assign(u); got != first {
				t.Fatalf("unit %s moved from %d to %d", u, first, got)
			}
		}
		if got := other.Assign(u); got != first {
			t.Fatalf("unit %s: %d on one copy, %d on another", u, first, got)
		}
	}
}

// TestExperiment_Assign_Independent checks that two experiments split the same units
// independently: each cell of the 2x2 table holds about a quarter of them.
func TestExperiment_Assign_Independent(t *testing.T) {
	a, b := valid(), valid()
	b.ID = "exp-2"
	const n = 100000
	var cells [2][2]int
	for i := range n {
		u := fmt.Sprintf("user-%d", i)
		cells[a.Assign(u)][b.Assign(u)]++
	}
	tol := 5 * math.Sqrt(n*0.25*0.75)
	for i := range 2 {
		for j := range 2 {
			if math.Abs(float64(cells[i][j])-n/4) > tol {
				t.Errorf("cell %d,%d holds %d units, want %d ± %.0f", i, j, cells[i][j], n/4, tol)
			}
		}
	}
}

func TestBucket_Range(t *testing.T) {
	for i := range 10000 {
		if b := Bucket("x", fmt.Sprint(i)); b < 0 || b >= 1 {
			t.Fatalf("Bucket = %v, outside [0, 1)", b)
		}
	}
	if Bucket("ab", "c") == Bucket("a", "bc") {
		t.Error("the separator does not separate the experiment id from the unit")
	}
}
