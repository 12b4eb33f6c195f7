package client

import (
	"context"

	"github.com/recd/recd"
)

// GeneratedText is an item's description written by a language model, as a describer sends
// it: the text, the model, the item fields it was written from (empty: the server's default
// fields) and recd.SourceHash of those fields as the describer read them ("": the item as
// stored when the server receives it).
type GeneratedText struct {
	Text       string   `json:"text"`
	Model      string   `json:"model"`
	Fields     []string `json:"fields,omitempty"`
	SourceHash string   `json:"source_hash,omitempty"`
}

// PutGeneratedText stores the generated description of item id (kept apart from its text)
// and returns the item as stored; IsNotFound(err) for an unknown item. It needs a write key.
func (c *Client) PutGeneratedText(ctx context.Context, id string, g GeneratedText) (recd.Item, error) {
	var out recd.Item
	b, err := jsonBody(g)
	if err != nil {
		return out, err
	}
	err = c.do(ctx, &call{ep: epPutGenerated, params: []string{id}, body: b}, &out)
	return out, err
}
