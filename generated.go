package recd

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Generated is an item's description written by a language model from the item's own
// fields. It is kept apart from the owner's Text: the server sets it through its own route,
// a write of the item ignores it and keeps it, and a read marks it Stale when the fields it
// was written from have changed since.
type Generated struct {
	Text  string    `json:"text"`
	Model string    `json:"model"`
	At    time.Time `json:"at"`
	// Fields are the item fields the description was written from (see DescribeFields).
	Fields []string `json:"fields"`
	// SourceHash is SourceHash(item, Fields) of the item the description was written from.
	SourceHash string `json:"source_hash"`
	// Stale is true when the item's fields no longer hash to SourceHash. It is derived on
	// read, never stored.
	Stale bool `json:"stale"`
}

// DescribeFields are the item fields a description may be written from, in the order they
// are hashed and shown to the model.
var DescribeFields = []string{"title", "text", "categories", "tags", "attributes"}

// DefaultDescribeFields are the fields used when none are named: everything but the owner's
// free text, which a description is meant to stand in for.
var DefaultDescribeFields = []string{"title", "categories", "tags", "attributes"}

// ParseDescribeFields checks a list of field names against DescribeFields and returns them
// deduplicated in DescribeFields order; an empty list gives DefaultDescribeFields.
func ParseDescribeFields(names []string) ([]string, error) {
	if len(names) == 0 {
		return slices.Clone(DefaultDescribeFields), nil
	}
	seen := map[string]bool{}
	for i, n := range names {
		n = strings.TrimSpace(n)
		if !slices.Contains(DescribeFields, n) {
			return nil, Invalid(fmt.Sprintf("fields[%d]", i),
				fmt.Sprintf("unknown field %.64q (one of %s)", n, strings.Join(DescribeFields, ", ")))
		}
		seen[n] = true
	}
	out := make([]string, 0, len(seen))
	for _, f := range DescribeFields {
		if seen[f] {
			out = append(out, f)
		}
	}
	return out, nil
}

// DescribeSource returns the named fields of an item as a JSON object with keys in
// DescribeFields order: what a describer shows the model and what SourceHash hashes.
// Unknown names are ignored; empty fields are left out.
func DescribeSource(it Item, fields []string) []byte {
	var b strings.Builder
	b.WriteByte('{')
	add := func(k string, v any) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(v)
		if err != nil { // attributes hold only JSON values; keep the hash total anyway
			vb, _ = json.Marshal(fmt.Sprint(v))
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	for _, f := range DescribeFields {
		if !slices.Contains(fields, f) {
			continue
		}
		switch f {
		case "title":
			if it.Title != "" {
				add(f, it.Title)
			}
		case "text":
			if it.Text != "" {
				add(f, it.Text)
			}
		case "categories":
			if len(it.Categories) > 0 {
				add(f, it.Categories)
			}
		case "tags":
			if len(it.Tags) > 0 {
				add(f, it.Tags)
			}
		case "attributes":
			if len(it.Attributes) > 0 {
				add(f, it.Attributes) // encoding/json sorts map keys
			}
		}
	}
	b.WriteByte('}')
	return []byte(b.String())
}

// SourceHash is the hex SHA-256 of the field names and DescribeSource(it, fields): equal
// for two items exactly when a describer would show the model the same data.
func SourceHash(it Item, fields []string) string {
	h := sha256.New()
	h.Write([]byte(strings.Join(fields, ",")))
	h.Write([]byte{0})
	h.Write(DescribeSource(it, fields))
	return hex.EncodeToString(h.Sum(nil))
}

// MarkStale sets Generated.Stale from the item's current fields (nothing when there is no
// generated text). Stores call it on every item they read.
func (it *Item) MarkStale() {
	if it.Generated != nil {
		it.Generated.Stale = SourceHash(*it, it.Generated.Fields) != it.Generated.SourceHash
	}
}
