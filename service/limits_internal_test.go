package service

import "testing"

// TestLimits_WithDefaults: a limit left zero takes its default, one set keeps its value, and
// the defaults validate.
func TestLimits_WithDefaults(t *testing.T) {
	got := Limits{MaxFilters: 3}.WithDefaults()
	want := DefaultLimits()
	want.MaxFilters = 3
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if err := DefaultLimits().Validate(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
	if err := (Limits{}).Validate(); err == nil {
		t.Error("zero limits validate")
	}
}
