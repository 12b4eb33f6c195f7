package service

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
)

// The response cache keeps each response encoded (see cacheEntry.body): strings as a uvarint
// length and their bytes, slices as a uvarint of their length plus one (0: nil, so that a nil
// slice and an empty one come back as they went in), numbers as fixed-width bits. Decoding
// turns the body into one string and cuts every string of the response from it, so a hit
// allocates that string and the response's slices only: JSON took several times as long, and
// at the bundled data's 5,000 requests a second, nearly all hits, that was a sixth of the
// server's CPU. Feature rows are not encoded: a response holding them is not cached.

// encodeResponse appends resp, less its Features, to b.
func encodeResponse(b []byte, resp *rank.Response) []byte {
	b = binary.AppendUvarint(b, sliceLen(resp.Items == nil, len(resp.Items)))
	for i := range resp.Items {
		it := &resp.Items[i]
		b = appendString(b, it.ID)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(it.Score))
		b = appendString(b, it.Title)
		b = binary.AppendUvarint(b, sliceLen(it.Reasons == nil, len(it.Reasons)))
		for k := range it.Reasons {
			r := &it.Reasons[k]
			b = appendString(b, r.Type)
			b = binary.AppendUvarint(b, sliceLen(r.Items == nil, len(r.Items)))
			for _, s := range r.Items {
				b = appendString(b, s)
			}
			b = appendString(b, r.Category)
			b = appendString(b, r.Source)
			b = appendString(b, r.Text)
		}
		b = appendString(b, it.Variant)
	}
	for _, s := range []string{resp.Strategy, resp.ModelVersion, resp.RecommendationID, resp.Experiment,
		resp.Variant, resp.RankerFallback, resp.Scorer, resp.ModelFallback} {
		b = appendString(b, s)
	}
	return binary.AppendVarint(b, int64(resp.HistoryCut))
}

func sliceLen(isNil bool, n int) uint64 {
	if isNil {
		return 0
	}
	return uint64(n) + 1
}

var errCacheBody = errors.New("response cache: a body that does not decode")

// respDecoder reads an encoded response; err is set by the first read past its end.
type respDecoder struct {
	s   string
	err error
}

func (d *respDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	x, w := readUvarint(d.s)
	if w <= 0 {
		d.err = errCacheBody
		return 0
	}
	d.s = d.s[w:]
	return x
}

func (d *respDecoder) str() string {
	if d.err != nil {
		return ""
	}
	s, rest, ok := nextString(d.s)
	if !ok {
		d.err = errCacheBody
	}
	d.s = rest
	return s
}

func (d *respDecoder) f64() float64 {
	if d.err != nil || len(d.s) < 8 {
		d.err = errCacheBody
		return 0
	}
	v := binary.LittleEndian.Uint64([]byte(d.s[:8]))
	d.s = d.s[8:]
	return math.Float64frombits(v)
}

// count reads a slice length (see encodeResponse): nil reports a nil slice; n is bounded by
// the bytes left, each element taking one byte at least.
func (d *respDecoder) count() (n int, isNil bool) {
	x := d.uvarint()
	switch {
	case d.err != nil:
		return 0, true
	case x == 0:
		return 0, true
	case x-1 > uint64(len(d.s)):
		d.err = errCacheBody
		return 0, true
	}
	return int(x - 1), false
}

// decodeResponse decodes what encodeResponse wrote.
func decodeResponse(body []byte) (rank.Response, error) {
	d := &respDecoder{s: string(body)}
	var resp rank.Response
	if n, isNil := d.count(); !isNil {
		resp.Items = make([]recd.Recommendation, n)
	}
	for i := range resp.Items {
		it := &resp.Items[i]
		it.ID = d.str()
		it.Score = d.f64()
		it.Title = d.str()
		if n, isNil := d.count(); !isNil {
			it.Reasons = make([]recd.Reason, n)
		}
		for k := range it.Reasons {
			r := &it.Reasons[k]
			r.Type = d.str()
			if n, isNil := d.count(); !isNil {
				r.Items = make([]string, n)
			}
			for j := range r.Items {
				r.Items[j] = d.str()
			}
			r.Category, r.Source, r.Text = d.str(), d.str(), d.str()
		}
		it.Variant = d.str()
		if d.err != nil {
			return rank.Response{}, d.err
		}
	}
	for _, s := range []*string{&resp.Strategy, &resp.ModelVersion, &resp.RecommendationID, &resp.Experiment,
		&resp.Variant, &resp.RankerFallback, &resp.Scorer, &resp.ModelFallback} {
		*s = d.str()
	}
	hc, w := binary.Varint([]byte(d.s))
	if d.err != nil || w <= 0 || w != len(d.s) {
		return rank.Response{}, errCacheBody
	}
	resp.HistoryCut = int(hc)
	return resp, nil
}
