// Package embed owns vectors made from item content and from outside: TF-IDF sparse
// vectors, LSA dense vectors, an OpenAI-compatible embedding client and the ridge
// projection from content vectors to CF vectors that gives cold items a CF vector.
package embed

import (
	"strings"

	"github.com/recd/recd"
)

// ItemText is the text an embedding model sees for an item: the title, the categories,
// the tags, the free text and the generated description (recd.Generated), one sentence or
// more each, in that order. Empty parts are left out, so an item with no content gives "".
func ItemText(it recd.Item) string { return ItemTextWith(it, true) }

// ItemTextWith is ItemText with the generated description left out when generated is false.
func ItemTextWith(it recd.Item, generated bool) string {
	var b strings.Builder
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
		if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
			b.WriteByte('.')
		}
	}
	add(it.Title)
	if cats := nonEmpty(it.Categories); len(cats) > 0 {
		add("Categories: " + strings.Join(cats, ", "))
	}
	if tags := nonEmpty(it.Tags); len(tags) > 0 {
		add("Tags: " + strings.Join(tags, ", "))
	}
	add(strings.Join(strings.Fields(it.Text), " "))
	if generated && it.Generated != nil {
		add(strings.Join(strings.Fields(it.Generated.Text), " "))
	}
	return b.String()
}

func nonEmpty(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
