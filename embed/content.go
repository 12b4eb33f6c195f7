package embed

import (
	"encoding/binary"
	"fmt"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

// ContentModel is the fitted TF-IDF vocabulary and the LSA built on it: what the train
// path saves as one artifact and the write path uses to give any item, new or not, its
// "content_sparse" and "content" vectors. It is immutable and safe for concurrent use.
type ContentModel struct {
	TFIDF *TFIDF
	LSA   *LSA
}

// FitContent fits TF-IDF and then LSA on items.
func FitContent(items []recd.Item, to TFIDFOptions, lo LSAOptions) (*ContentModel, error) {
	tf, err := FitTFIDF(items, to)
	if err != nil {
		return nil, err
	}
	lsa, err := FitLSA(tf, items, lo)
	if err != nil {
		return nil, err
	}
	return &ContentModel{TFIDF: tf, LSA: lsa}, nil
}

// EmbedItem returns the item's sparse TF-IDF vector and its dense LSA vector. ok is false
// when the item has no term of the vocabulary: both vectors are then empty or zero and
// must not be indexed.
func (m *ContentModel) EmbedItem(it recd.Item) (sparse index.SparseVector, dense []float32, ok bool) {
	sparse = m.TFIDF.Transform(it)
	dense = m.LSA.Embed(sparse)
	return sparse, dense, len(sparse.Indices) > 0
}

const contentMagic = "RECDCONT"

// MarshalBinary encodes both models, each with its own version and checksum.
func (m *ContentModel) MarshalBinary() ([]byte, error) {
	tf, err := m.TFIDF.MarshalBinary()
	if err != nil {
		return nil, err
	}
	lsa, err := m.LSA.MarshalBinary()
	if err != nil {
		return nil, err
	}
	out := append([]byte(contentMagic), binary.AppendUvarint(nil, uint64(len(tf)))...)
	out = append(out, tf...)
	return append(out, lsa...), nil
}

// UnmarshalBinary decodes what MarshalBinary wrote; bad data returns an error wrapping
// ErrCorrupt and leaves m unchanged.
func (m *ContentModel) UnmarshalBinary(data []byte) error {
	if len(data) < len(contentMagic) || string(data[:len(contentMagic)]) != contentMagic {
		return fmt.Errorf("unmarshal content model: %w: not a content model", ErrCorrupt)
	}
	rest := data[len(contentMagic):]
	n, k := binary.Uvarint(rest)
	if k <= 0 || n > uint64(len(rest)-k) {
		return fmt.Errorf("unmarshal content model: %w: bad length", ErrCorrupt)
	}
	rest = rest[k:]
	tf, lsa := &TFIDF{}, &LSA{}
	if err := tf.UnmarshalBinary(rest[:n]); err != nil {
		return fmt.Errorf("unmarshal content model: %w", err)
	}
	if err := lsa.UnmarshalBinary(rest[n:]); err != nil {
		return fmt.Errorf("unmarshal content model: %w", err)
	}
	if lsa.Terms() != tf.Dim() {
		return fmt.Errorf("unmarshal content model: %w: lsa has %d terms, vocabulary %d", ErrCorrupt, lsa.Terms(), tf.Dim())
	}
	m.TFIDF, m.LSA = tf, lsa
	return nil
}
