package codec

import (
	"encoding/json"
	"fmt"

	"github.com/recd/recd"
)

// generatedRow is how an item's generated description is kept in its column: JSON without
// the derived Stale flag, the time in Unix nanoseconds.
type generatedRow struct {
	Text       string   `json:"text"`
	Model      string   `json:"model"`
	At         int64    `json:"at"`
	Fields     []string `json:"fields"`
	SourceHash string   `json:"source_hash"`
}

// EncodeGenerated validates a generated description and encodes it for the items table.
func EncodeGenerated(g recd.Generated) (string, error) {
	if err := CheckText("text", g.Text, g.Model, g.SourceHash); err != nil {
		return "", err
	}
	if err := CheckText("fields", g.Fields...); err != nil {
		return "", err
	}
	at, err := Nanos("at", g.At)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(generatedRow{Text: g.Text, Model: g.Model, At: at, Fields: g.Fields, SourceHash: g.SourceHash})
	if err != nil {
		return "", fmt.Errorf("generated: %w", err)
	}
	return string(b), nil
}

// DecodeGenerated sets it.Generated from its column ("" leaves it nil) and marks it stale
// when the item's fields changed since it was written.
func DecodeGenerated(it *recd.Item, s string) error {
	if s == "" {
		return nil
	}
	var r generatedRow
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return fmt.Errorf("item %q generated text: %w", it.ID, err)
	}
	it.Generated = &recd.Generated{Text: r.Text, Model: r.Model, At: Time(r.At), Fields: r.Fields, SourceHash: r.SourceHash}
	it.MarkStale()
	return nil
}
