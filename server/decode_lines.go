package server

import (
	"encoding/json"
	"io"

	"github.com/recd/recd"
)

// EventDecoder decodes events one JSON line at a time exactly as DecodeEvent does (the same
// values, the same errors), but reuses one json.Decoder and its buffer from line to line
// instead of allocating them for every line, which was a third of an import's allocations.
// It is not safe for concurrent use.
type EventDecoder struct{ d lineDecoder }

// Decode decodes one line.
func (e *EventDecoder) Decode(b []byte) (recd.Event, error) {
	var in eventIn
	if err := e.d.decode(b, &in); err != nil {
		return DecodeEvent(b)
	}
	return in.event("timestamp")
}

// ItemDecoder is EventDecoder for items, decoding as DecodeItem does.
type ItemDecoder struct{ d lineDecoder }

// Decode decodes one line.
func (e *ItemDecoder) Decode(b []byte) (recd.Item, error) {
	var in itemIn
	if err := e.d.decode(b, &in); err != nil {
		return DecodeItem(b)
	}
	return in.item(), nil
}

// lineDecoder is a json.Decoder (unknown fields refused) over the current line. A line that
// fails to decode, or holds more than one value, discards the decoder, whose error state and
// byte offsets would carry over; the caller then decodes that line alone for its error.
type lineDecoder struct {
	line lineReader
	dec  *json.Decoder
}

func (d *lineDecoder) decode(b []byte, v any) error {
	if d.dec == nil {
		d.dec = json.NewDecoder(&d.line)
		d.dec.DisallowUnknownFields()
	}
	d.line.b = b
	err := d.dec.Decode(v)
	if err == nil && (d.dec.More() || len(d.line.b) > 0) {
		err = errMoreThanOne
	}
	if err != nil {
		d.dec = nil
	}
	return err
}

var errMoreThanOne = recd.Invalid("", "the line holds more than one JSON value")

// lineReader reads the line it holds, then says io.EOF.
type lineReader struct{ b []byte }

func (r *lineReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}
