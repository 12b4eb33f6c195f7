// Package codec holds the row encodings the SQL store backends share: vectors as
// little-endian float32 blobs, times as Unix nanoseconds, lists and maps as JSON, and cursors.
package codec

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/recd/recd"
)

// EncodeVector returns v as little-endian float32s.
func EncodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// DecodeVector is the inverse of EncodeVector.
func DecodeVector(b []byte) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("decode vector: %d bytes is not a multiple of 4", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

var (
	minTime = time.Unix(0, math.MinInt64).UTC()
	maxTime = time.Unix(0, math.MaxInt64).UTC()
)

// Nanos returns t as Unix nanoseconds, or an error wrapping recd.ErrInvalid naming field
// if t cannot be represented.
func Nanos(field string, t time.Time) (int64, error) {
	if t.Before(minTime) || t.After(maxTime) {
		return 0, recd.Invalid(field, "time out of range (years 1678 to 2262)")
	}
	return t.UnixNano(), nil
}

// Time returns the UTC time of Unix nanoseconds ns.
func Time(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// Strings encodes a string list as JSON ("[]" for none); its strings must pass CheckText.
func Strings(field string, s []string) (string, error) {
	if len(s) == 0 {
		return "[]", nil
	}
	if err := CheckText(field, s...); err != nil {
		return "", err
	}
	b, _ := json.Marshal(s) // a []string always marshals
	return string(b), nil
}

// Map encodes attributes as JSON ("{}" for none).
func Map(field string, m map[string]any) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", &recd.FieldError{Field: field, Message: "not representable as JSON: " + err.Error(), Err: recd.ErrInvalid}
	}
	if strings.Contains(string(b), `\u0000`) {
		return "", recd.Invalid(field, "contains a NUL character")
	}
	return string(b), nil
}

// ParseStrings decodes a JSON string list; an empty list becomes nil.
func ParseStrings(s string) ([]string, error) {
	var out []string
	if s == "" {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("decode list: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// ParseMap decodes JSON attributes; an empty object becomes nil.
func ParseMap(s string) (map[string]any, error) {
	var out map[string]any
	if s == "" {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("decode attributes: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// Floats encodes artifact metrics as JSON ("{}" for none).
func Floats(field string, m map[string]float64) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil { // NaN or Inf
		return "", &recd.FieldError{Field: field, Message: "not representable as JSON: " + err.Error(), Err: recd.ErrInvalid}
	}
	return string(b), nil
}

// ParseFloats decodes artifact metrics; an empty object becomes nil.
func ParseFloats(s string) (map[string]float64, error) {
	var out map[string]float64
	if s == "" {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("decode metrics: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// SeqCursor encodes a sequence number as a cursor.
func SeqCursor(seq int64) string { return strconv.FormatInt(seq, 10) }

// ParseSeqCursor decodes a cursor made by SeqCursor; "" gives ok false.
func ParseSeqCursor(c string) (seq int64, ok bool, err error) {
	if c == "" {
		return 0, false, nil
	}
	seq, err = strconv.ParseInt(c, 10, 64)
	if err != nil || seq < 0 {
		return 0, false, recd.Invalid("cursor", "malformed cursor")
	}
	return seq, true, nil
}

// CheckLimit rejects a non-positive page size.
func CheckLimit(limit int) error {
	if limit <= 0 {
		return recd.Invalid("limit", "must be positive")
	}
	return nil
}

// CheckText rejects strings that are not valid UTF-8 or contain NUL bytes: PostgreSQL cannot
// store them, and every backend must accept the same input. The error names field.
func CheckText(field string, ss ...string) error {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return recd.Invalid(field, "not valid UTF-8")
		}
		if strings.IndexByte(s, 0) >= 0 {
			return recd.Invalid(field, "contains a NUL character")
		}
	}
	return nil
}
