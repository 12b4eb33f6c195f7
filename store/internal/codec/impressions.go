package codec

import (
	"encoding/json"
	"fmt"

	"github.com/recd/recd/store"
)

// impressionItem is one item of a stored list; its position is its index.
type impressionItem struct {
	ID      string  `json:"i"`
	Score   float64 `json:"s"`
	Variant string  `json:"v,omitempty"`
}

// EncodeImpressionItems writes a list's items as JSON, in position order (positions are the
// items' indexes, so the items must be in order 0, 1, ...).
func EncodeImpressionItems(items []store.ImpressionItem) (string, error) {
	out := make([]impressionItem, len(items))
	for i, it := range items {
		if it.Position != i {
			return "", fmt.Errorf("impression item %d has position %d", i, it.Position)
		}
		out[i] = impressionItem{ID: it.ItemID, Score: it.Score, Variant: it.Variant}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// DecodeImpressionItems reads what EncodeImpressionItems wrote.
func DecodeImpressionItems(s string) ([]store.ImpressionItem, error) {
	var in []impressionItem
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("impression items: %w", err)
	}
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]store.ImpressionItem, len(in))
	for i, it := range in {
		out[i] = store.ImpressionItem{ItemID: it.ID, Position: i, Score: it.Score, Variant: it.Variant}
	}
	return out, nil
}

// ImpressionItemMark is the text an item's entry starts with in what EncodeImpressionItems
// writes, so that a store can test whether a stored list showed item without decoding it: the
// item's JSON string between the object's opening and its score key matches no other item.
func ImpressionItemMark(item string) string {
	b, _ := json.Marshal(item) // a string always encodes
	return `{"i":` + string(b) + `,"s":`
}

// featureLog is a FeatureLog's JSON form: {"n": names, "r": rows, "w": swap} ("w" absent
// for an unswapped list).
type featureLog struct {
	Names []string    `json:"n"`
	Rows  [][]float32 `json:"r"`
	Swap  int         `json:"w,omitempty"`
}

// EncodeFeatureLog writes a served list's feature rows as JSON, "" for none.
func EncodeFeatureLog(f *store.FeatureLog) (string, error) {
	if f == nil {
		return "", nil
	}
	b, err := json.Marshal(featureLog{Names: f.Names, Rows: f.Rows, Swap: f.Swap})
	return string(b), err
}

// DecodeFeatureLog reads what EncodeFeatureLog wrote; "" is nil.
func DecodeFeatureLog(s string) (*store.FeatureLog, error) {
	if s == "" {
		return nil, nil
	}
	var in featureLog
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("impression features: %w", err)
	}
	return &store.FeatureLog{Names: in.Names, Rows: in.Rows, Swap: in.Swap}, nil
}
