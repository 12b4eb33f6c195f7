package describe

import (
	"context"
	"fmt"
	"strings"
)

// StandIn writes descriptions without a model, deterministically, from an item's categories
// (MovieLens genres, each with a few words of what the genre is about) and tags. It stands in
// for a language model where none may be called: tests and the offline measurement. An item
// with neither categories nor tags is refused, as a model with nothing to go on would.
type StandIn struct{}

var _ Writer = StandIn{}

// StandInModel is the model name stored with the stand-in's descriptions.
const StandInModel = "stand-in:tags-genres"

// Model implements Writer.
func (StandIn) Model() string { return StandInModel }

// genreWords say in plain words what a MovieLens genre is about.
var genreWords = map[string]string{
	"action": "fights, chases and stunts", "adventure": "a journey, quests and discovery",
	"animation": "animated characters and colourful worlds", "children": "a story for kids and families",
	"comedy": "humour, jokes and lighthearted fun", "crime": "criminals, police, heists and the underworld",
	"documentary": "real events and real people", "drama": "characters, relationships and emotional conflict",
	"fantasy": "magic, myths and imaginary worlds", "film-noir": "shadowy detectives, femmes fatales and moral ambiguity",
	"horror": "fear, monsters and suspense", "imax": "a large-format spectacle", "musical": "songs and dance numbers",
	"mystery": "clues, secrets and a puzzle to solve", "romance": "love, attraction and relationships",
	"sci-fi": "science fiction, technology, space and the future", "thriller": "tension, danger and suspense",
	"war": "soldiers, battles and wartime", "western": "cowboys, outlaws and the frontier",
}

// Write implements Writer.
func (StandIn) Write(_ context.Context, p Prompt) (string, error) {
	it := p.Item
	var cats, about []string
	for _, c := range it.Categories {
		if c = strings.TrimSpace(c); c == "" || strings.EqualFold(c, "(no genres listed)") {
			continue
		}
		cats = append(cats, strings.ToLower(c))
		if w, ok := genreWords[strings.ToLower(c)]; ok {
			about = append(about, w)
		}
	}
	var tags []string
	for _, t := range it.Tags {
		if t = strings.TrimSpace(t); t != "" && len(tags) < 12 {
			tags = append(tags, t)
		}
	}
	if len(cats) == 0 && len(tags) == 0 {
		return refusalToken, nil
	}
	var b strings.Builder
	title := it.Title
	if title == "" {
		title = "This title"
	}
	if len(cats) > 0 {
		fmt.Fprintf(&b, "%s is a %s film.", title, joinAnd(cats))
	} else {
		fmt.Fprintf(&b, "%s is a film.", title)
	}
	if len(about) > 0 {
		fmt.Fprintf(&b, " It is about %s.", joinAnd(about))
	}
	if len(tags) > 0 {
		fmt.Fprintf(&b, " Viewers describe it as %s.", joinAnd(tags))
	}
	return b.String(), nil
}

func joinAnd(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}
