package service

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// Bounds of a generated description as a describer sends it.
const (
	// MaxGeneratedText bounds a description's text in bytes.
	MaxGeneratedText = 4096
	// maxGeneratedModel bounds the model name in bytes.
	maxGeneratedModel = 256
)

// GeneratedIn is an item's generated description as a describer sends it. Fields name the
// item fields it was written from (recd.DescribeFields; empty: recd.DefaultDescribeFields);
// SourceHash is recd.SourceHash of the item the describer read, or "" to hash the item as
// it is stored now.
type GeneratedIn struct {
	Text       string
	Model      string
	Fields     []string
	SourceHash string
}

// validate checks the bounds and returns the fields in canonical order.
func (in GeneratedIn) validate(l Limits) ([]string, error) {
	if in.Text == "" {
		return nil, recd.Invalid("text", "is empty")
	}
	if err := l.validText("text", in.Text, MaxGeneratedText); err != nil {
		return nil, err
	}
	if in.Model == "" {
		return nil, recd.Invalid("model", "is empty")
	}
	if err := l.validText("model", in.Model, maxGeneratedModel); err != nil {
		return nil, err
	}
	if len(in.Fields) > len(recd.DescribeFields) {
		return nil, recd.Invalid("fields", fmt.Sprintf("has more than %d entries", len(recd.DescribeFields)))
	}
	fields, err := recd.ParseDescribeFields(in.Fields)
	if err != nil {
		return nil, err
	}
	if in.SourceHash != "" {
		if b, err := hex.DecodeString(in.SourceHash); err != nil || len(b) != 32 {
			return nil, recd.Invalid("source_hash", "must be 64 hex digits (SHA-256)")
		}
	}
	return fields, nil
}

// PutGenerated stores an item's generated description, kept apart from the owner's text,
// and returns the item as stored. ErrNotFound for an unknown item. Content models read it
// from the next training on; replicas see it through the change feed.
func (s *Service) PutGenerated(ctx context.Context, id string, in GeneratedIn) (recd.Item, error) {
	if err := s.opts.Limits.validID("id", id); err != nil {
		return recd.Item{}, err
	}
	fields, err := in.validate(s.opts.Limits)
	if err != nil {
		return recd.Item{}, err
	}
	ds, ok := s.st.(store.Descriptions)
	if !ok {
		return recd.Item{}, fmt.Errorf("put generated text: the store keeps no descriptions: %w", recd.ErrUnavailable)
	}
	hash := in.SourceHash
	if hash == "" {
		it, err := s.st.GetItem(ctx, id)
		if err != nil {
			return recd.Item{}, err
		}
		hash = recd.SourceHash(it, fields)
	}
	g := recd.Generated{Text: in.Text, Model: in.Model, At: time.Now().UTC(), Fields: fields, SourceHash: hash}
	if err := ds.PutGenerated(ctx, id, g); err != nil {
		return recd.Item{}, err
	}
	return s.st.GetItem(ctx, id)
}
