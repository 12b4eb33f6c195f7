package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd"
)

// serverSet is a field the server sets and answers with (created_at, updated_at, seq; readOnly
// in the OpenAPI document). A body may carry it, so that what a GET answered can be written
// back as it is; its value is ignored. Any other unknown field is still rejected.
type serverSet struct{}

// UnmarshalJSON accepts any JSON value and keeps nothing.
func (*serverSet) UnmarshalJSON([]byte) error { return nil }

// requestBody is the request's body for decoders: readBody has already read it in full
// (under http.body_timeout and the size limit), so a decoder sees a body that arrived, and a
// failure here is the body's content, never its transport.
func requestBody(c *gin.Context) io.Reader { return c.Request.Body }

// decodeJSON decodes one JSON value from the request body into v, rejecting unknown fields
// and trailing data, and turns decoding errors into field errors.
func decodeJSON(c *gin.Context, v any) error {
	dec := json.NewDecoder(requestBody(c))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, v)
	}
	if dec.More() {
		return recd.Invalid("", "the body holds more than one JSON value")
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return jsonError(err, "")
		}
		return recd.Invalid("", "the body holds more than one JSON value")
	}
	return nil
}

// decodeError explains the error of decoding a body into v: an unknown field that is the
// other spelling of one of v's fields names the right one (see otherSpelling); anything else
// is a field error from jsonError.
func decodeError(err error, v any) error {
	if name, ok := unknownField(err); ok {
		if alt := otherSpelling(reflect.TypeOf(v), name); alt != "" {
			return recd.Invalid(name, fmt.Sprintf("is not a field of this body; use `%s`", alt))
		}
	}
	return jsonError(err, "")
}

// jsonError explains a json decoding error as a field error (prefix names the enclosing
// value).
func jsonError(err error, prefix string) error {
	var mbe *http.MaxBytesError
	var de *DepthError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.As(err, &de):
		return recd.Invalid(prefix, "malformed JSON: "+de.Error())
	case errors.Is(err, io.EOF):
		return recd.Invalid(prefix, "the body is empty: a JSON value is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return recd.Invalid(prefix, "malformed JSON: the body ends in the middle of a value")
	case errors.As(err, &se):
		return recd.Invalid(prefix, fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se))
	case errors.As(err, &te):
		field := te.Field
		if prefix != "" && field != "" {
			field = prefix + "." + field
		} else if field == "" {
			field = prefix
		}
		want := te.Type.String()
		if te.Field == "" && strings.HasPrefix(want, "[]") {
			return recd.Invalid(field, "must be a JSON array")
		}
		return recd.Invalid(field, fmt.Sprintf("must be %s, not a JSON %s", jsonKind(want), te.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := unknownField(err)
		if prefix != "" {
			name = prefix + "." + name
		}
		return recd.Invalid(name, "is not a known field")
	}
	return recd.Invalid(prefix, "malformed JSON: "+err.Error())
}

func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map["), strings.Contains(goType, "."):
		return "an object"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "a boolean"
	case strings.HasPrefix(goType, "float"), strings.HasPrefix(goType, "int"):
		return "a number"
	}
	return goType
}

// unknownField returns the name of the unknown field a decoder with DisallowUnknownFields
// refused (encoding/json reports it only in the message).
func unknownField(err error) (string, bool) {
	msg, ok := strings.CutPrefix(err.Error(), "json: unknown field ")
	if !ok {
		return "", false
	}
	return strings.Trim(msg, `"`), true
}

// otherSpelling returns the field of the body type t (a struct, or a pointer to or slice of
// one) that name is the other number of: bodies name lists in the plural ("filters",
// "categories", "exclude_categories") where query strings repeat the singular ("filter",
// "category", "exclude_category"), so a client mixing the two is told the body's spelling.
// It returns "" when there is none.
func otherSpelling(t reflect.Type, name string) string {
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return ""
	}
	want := map[string]bool{name + "s": true, name + "es": true, strings.TrimSuffix(name, "s"): true}
	if base, ok := strings.CutSuffix(name, "y"); ok {
		want[base+"ies"] = true
	}
	if base, ok := strings.CutSuffix(name, "ies"); ok {
		want[base+"y"] = true
	}
	delete(want, name)
	for _, f := range jsonFields(t) {
		if want[f] {
			return f
		}
	}
	return ""
}

// jsonFields lists the JSON names of struct type t's fields, embedded structs' included.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case tag == "-":
		case f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct:
			out = append(out, jsonFields(f.Type)...)
		case tag != "":
			out = append(out, tag)
		case f.IsExported():
			out = append(out, f.Name)
		}
	}
	return out
}
