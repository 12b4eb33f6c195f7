package embed

import (
	"slices"
	"testing"

	"github.com/recd/recd"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Toy Story (1995)", []string{"toy", "story", "1995"}},
		{"Amélie (Fabuleux destin d'Amélie Poulain, Le)", []string{"amelie", "fabuleux", "destin", "d", "amelie", "poulain", "le"}},
		{"Sci-Fi|Film-Noir", []string{"sci", "fi", "film", "noir"}},
		{"ŒUVRE ﬁlm Ñandú", []string{"œuvre", "film", "nandu"}},
		{"  ,;  ", nil},
		{"Tōkyō 東京 2", []string{"tokyo", "東京", "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Tokenize(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsStopWord(t *testing.T) {
	for _, w := range []string{"the", "and", "of", "a", "s", "don"} {
		if !IsStopWord(w) {
			t.Errorf("IsStopWord(%q) = false, want true", w)
		}
	}
	for _, w := range []string{"dinosaur", "animation", "toy", "story"} {
		if IsStopWord(w) {
			t.Errorf("IsStopWord(%q) = true, want false", w)
		}
	}
}

func TestItemText(t *testing.T) {
	t.Run("all fields", func(t *testing.T) {
		it := recd.Item{Title: "Toy Story (1995)", Categories: []string{"Animation", " ", "Children"},
			Tags: []string{"pixar", "fun"}, Text: "A cowboy doll\n is jealous."}
		want := "Toy Story (1995). Categories: Animation, Children. Tags: pixar, fun. A cowboy doll is jealous."
		if got := ItemText(it); got != want {
			t.Errorf("ItemText = %q, want %q", got, want)
		}
	})
	t.Run("title only", func(t *testing.T) {
		if got, want := ItemText(recd.Item{Title: "Heat!"}), "Heat!"; got != want {
			t.Errorf("ItemText = %q, want %q", got, want)
		}
	})
	t.Run("empty", func(t *testing.T) {
		if got := ItemText(recd.Item{ID: "x"}); got != "" {
			t.Errorf("ItemText = %q, want empty", got)
		}
	})
}
