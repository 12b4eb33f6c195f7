package rank

import (
	"strconv"
	"strings"

	"github.com/recd/recd"
)

// Reason types, the values of recd.Reason.Type.
const (
	ReasonSimilarTo      = "similar_to"      // Items: the liked items it resembles
	ReasonPopular        = "popular"         // popular overall
	ReasonPopularIn      = "popular_in"      // Category: where it is popular
	ReasonTrending       = "trending"        // rising right now
	ReasonMatchesProfile = "matches_profile" // content matches the user's profile; Category optional
	ReasonCollaborative  = "collaborative"   // users with similar taste liked it
	ReasonSession        = "session"         // Items: the recent session items it resembles
	ReasonLongTail       = "long_tail"       // a lesser-known item given a fair share of slots
	ReasonQuery          = "query"           // Text: the query terms it matches
)

// ReasonForSource returns the reason a candidate source gives for proposing an item:
// itemknn → similar_to, cf/als/bpr/ease/ncf → collaborative, content → matches_profile,
// popular → popular (popular_in when category is set), trending → trending, session →
// session, query → query; any other source → collaborative. because and category are
// copied into the reason.
func ReasonForSource(source string, because []string, category string) recd.Reason {
	r := recd.Reason{Source: source, Items: because, Category: category}
	switch source {
	case "itemknn", "knn", "similar":
		r.Type = ReasonSimilarTo
	case "content", "profile":
		r.Type = ReasonMatchesProfile
	case "popular", "popularity":
		r.Type = ReasonPopular
		if category != "" {
			r.Type = ReasonPopularIn
		}
	case "trending":
		r.Type = ReasonTrending
	case "session":
		r.Type = ReasonSession
	case "query":
		r.Type = ReasonQuery
	default:
		r.Type = ReasonCollaborative
	}
	if r.Type == ReasonSimilarTo && len(because) == 0 {
		// A neighbour of nothing named is a collaborative signal, not "similar to ...".
		r.Type = ReasonCollaborative
	}
	return r
}

// Explain merges each candidate's duplicate reasons and writes a short human sentence into
// every reason's Text (kept when already set). Two reasons are duplicates when they have
// the same Type and Category; their Items are united in first-seen order and the first
// Source is kept. title maps an item id to its display title; nil or an empty result
// falls back to the id. Explain is the last stage of the pipeline; it reuses the Reasons
// storage of each candidate.
func Explain(cands []Candidate, title func(id string) string) {
	for i := range cands {
		cands[i].Reasons = MergeReasons(cands[i].Reasons)
		for j := range cands[i].Reasons {
			r := &cands[i].Reasons[j]
			if r.Text == "" {
				r.Text = Sentence(*r, title)
			}
		}
	}
}

// MergeReasons merges reasons of the same Type and Category in place (see Explain) and
// returns the shortened slice.
func MergeReasons(rs []recd.Reason) []recd.Reason {
	out := rs[:0]
	for _, r := range rs {
		k := -1
		for j := range out {
			if out[j].Type == r.Type && out[j].Category == r.Category {
				k = j
				break
			}
		}
		if k < 0 {
			out = append(out, r)
			continue
		}
		m := &out[k]
		for _, id := range r.Items {
			if !contains(m.Items, id) {
				// copy on first growth so the caller's Items slices are never shared
				m.Items = append(m.Items[:len(m.Items):len(m.Items)], id)
			}
		}
		if m.Source == "" {
			m.Source = r.Source
		}
		if m.Text == "" {
			m.Text = r.Text
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Sentence returns the human sentence for one reason, e.g. "Because you liked Amelie",
// "Popular in Comedy", "Similar to what you just viewed: Up and Coco".
func Sentence(r recd.Reason, title func(id string) string) string {
	names := titles(r.Items, title)
	switch r.Type {
	case ReasonSimilarTo:
		if names == "" {
			return "Similar to items you liked"
		}
		return "Because you liked " + names
	case ReasonPopularIn:
		if r.Category == "" {
			return "Popular right now"
		}
		return "Popular in " + r.Category
	case ReasonPopular:
		return "Popular right now"
	case ReasonTrending:
		if r.Category != "" {
			return "Trending in " + r.Category
		}
		return "Trending now"
	case ReasonMatchesProfile:
		if r.Category != "" {
			return "Matches your interest in " + r.Category
		}
		return "Matches your taste profile"
	case ReasonCollaborative:
		if names != "" {
			return "People who liked " + names + " also liked this"
		}
		return "People with similar taste liked this"
	case ReasonSession:
		if names == "" {
			return "Related to what you just viewed"
		}
		return "Related to what you just viewed: " + names
	case ReasonLongTail:
		return "A lesser-known pick you may like"
	case ReasonQuery:
		if len(r.Items) > 0 {
			return "Matches '" + strings.Join(r.Items, " ") + "'"
		}
		return "Matches your search"
	}
	return "Recommended for you"
}

// titles formats up to two titles and a count of the rest: "A", "A and B", "A, B and 3 more".
func titles(ids []string, title func(id string) string) string {
	if len(ids) == 0 {
		return ""
	}
	name := func(id string) string {
		if title != nil {
			if t := title(id); t != "" {
				return t
			}
		}
		return id
	}
	switch len(ids) {
	case 1:
		return name(ids[0])
	case 2:
		return name(ids[0]) + " and " + name(ids[1])
	}
	return name(ids[0]) + ", " + name(ids[1]) + " and " + strconv.Itoa(len(ids)-2) + " more"
}
