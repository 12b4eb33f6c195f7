package embed

import (
	"fmt"
	"strings"
)

const (
	tfidfMagic = "RECDTFID"
	// tfidfVersion 2 appends the generated-text weight; version 1 reads with weight 0, as
	// those models were fitted without generated text.
	tfidfVersion = 2
)

// MarshalBinary encodes the options and the vocabulary with a version header and a checksum.
func (t *TFIDF) MarshalBinary() ([]byte, error) {
	e := newEncoder(tfidfMagic, tfidfVersion)
	o := t.opts
	for _, w := range []float64{o.TitleWeight, o.TextWeight, o.CategoryWeight, o.CategoryWordWeight,
		o.TagWeight, o.TagWordWeight, o.YearWeight, o.MaxDFRatio} {
		e.f64(w)
	}
	e.bool(o.YearTokens)
	e.bool(o.StopWords)
	e.uvarint(uint64(o.MinTokenLen))
	e.uvarint(uint64(o.MinDF))
	e.uvarint(uint64(o.MaxFeatures))
	e.uvarint(uint64(t.nDocs))
	e.uvarint(uint64(len(t.terms)))
	for _, tm := range t.terms {
		e.str(tm.Token)
		e.uvarint(uint64(tm.DF))
		e.f64(tm.IDF)
	}
	e.f64(o.GeneratedTextWeight)
	return e.finish(), nil
}

// UnmarshalBinary decodes what MarshalBinary wrote; bad data returns an error wrapping
// ErrCorrupt and leaves t unchanged.
func (t *TFIDF) UnmarshalBinary(data []byte) error {
	d, version, err := newDecoderFrom(data, tfidfMagic, 1, tfidfVersion)
	if err != nil {
		return fmt.Errorf("unmarshal tfidf: %w", err)
	}
	var o TFIDFOptions
	for _, p := range []*float64{&o.TitleWeight, &o.TextWeight, &o.CategoryWeight, &o.CategoryWordWeight,
		&o.TagWeight, &o.TagWordWeight, &o.YearWeight, &o.MaxDFRatio} {
		*p = d.finite()
	}
	o.YearTokens = d.bool()
	o.StopWords = d.bool()
	o.MinTokenLen = d.int()
	o.MinDF = d.int()
	o.MaxFeatures = d.int()
	nDocs := d.int()
	terms := make([]Term, d.count(10)) // a term takes at least 1+1+8 bytes
	for i := range terms {
		terms[i] = Term{Token: d.str(), DF: d.int(), IDF: d.finite()}
		if d.err == nil && i > 0 && strings.Compare(terms[i-1].Token, terms[i].Token) >= 0 {
			d.fail("vocabulary order")
		}
	}
	if version >= 2 {
		o.GeneratedTextWeight = d.finite()
	}
	if err := d.done(); err != nil {
		return fmt.Errorf("unmarshal tfidf: %w", err)
	}
	if err := o.Validate(); err != nil {
		return fmt.Errorf("unmarshal tfidf: %w: options: %v", ErrCorrupt, err)
	}
	t.opts, t.nDocs = o, nDocs
	t.setTerms(terms)
	return nil
}
