package cond

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/recd/recd"
)

// symbols maps the textual operators of Parse to ops, longest first.
var symbols = []struct{ text, op string }{
	{"!=", Ne}, {"<=", Lte}, {">=", Gte}, {"==", Eq}, {"=", Eq}, {"<", Lt}, {">", Gt},
}

// Parse parses the text form of a condition, as the filter= and boost= parameters carry it:
//
//   - field, operator, value: "year>=1990", "lang=fr", "title!='Up'", "category=Comedy",
//     with the operators = == != < <= > >=;
//   - field:op:value with any op by name: "year:gte:1990", "lang:in:en|fr",
//     "lang:nin:en|fr" (in and nin take values separated by '|').
//
// A field is a name ValidField accepts. A value is a number when it parses as a finite one
// and is not quoted, true or false a bool, anything else a string (single or double quotes
// are stripped, so "'42'" is the string 42). Errors wrap recd.ErrInvalid.
func Parse(s string) (Condition, error) {
	s = strings.TrimSpace(s)
	c, ok := parseNamed(s)
	if ok && strings.TrimSpace(strings.SplitN(s, ":", 3)[2]) == "" {
		return Condition{}, fmt.Errorf("parse condition %q: missing value: %w", s, recd.ErrInvalid)
	}
	if !ok {
		var err error
		if c, err = parseSymbol(s); err != nil {
			return Condition{}, err
		}
	}
	if !ValidField(c.Field) {
		return Condition{}, fmt.Errorf("parse condition %q: bad field name: %w", s, recd.ErrInvalid)
	}
	if err := c.Validate(); err != nil {
		msg := err.Error()
		var fe *recd.FieldError
		if errors.As(err, &fe) {
			msg = fe.Message
		}
		return Condition{}, fmt.Errorf("parse condition %q: %s: %w", s, msg, recd.ErrInvalid)
	}
	return c, nil
}

// parseNamed parses the field:op:value form; ok is false when s is not in that form.
func parseNamed(s string) (Condition, bool) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 || !ops[parts[1]] || !ValidField(strings.TrimSpace(parts[0])) {
		return Condition{}, false
	}
	c := Condition{Field: strings.TrimSpace(parts[0]), Op: parts[1]}
	if c.Op == In || c.Op == NotIn {
		list := []any{}
		for _, v := range strings.Split(parts[2], "|") {
			list = append(list, ParseValue(v))
		}
		c.Value = list
	} else {
		c.Value = ParseValue(parts[2])
	}
	return c, true
}

func parseSymbol(s string) (Condition, error) {
	at, w, op := -1, 0, ""
	for i := 0; i < len(s) && at < 0; i++ {
		for _, o := range symbols {
			if strings.HasPrefix(s[i:], o.text) {
				at, w, op = i, len(o.text), o.op
				break
			}
		}
	}
	if at < 0 {
		return Condition{}, fmt.Errorf("parse condition %q: no operator (= != < <= > >=): %w", s, recd.ErrInvalid)
	}
	raw := strings.TrimSpace(s[at+w:])
	if raw == "" {
		return Condition{}, fmt.Errorf("parse condition %q: missing value: %w", s, recd.ErrInvalid)
	}
	return Condition{Field: strings.TrimSpace(s[:at]), Op: op, Value: ParseValue(raw)}, nil
}

// ParseValue reads one value of the text form: a quoted string without its quotes, a finite
// number as float64, true or false as a bool, anything else as the trimmed string.
func ParseValue(raw string) any {
	raw = strings.TrimSpace(raw)
	if n := len(raw); n >= 2 && (raw[0] == '\'' || raw[0] == '"') && raw[n-1] == raw[0] {
		return raw[1 : n-1]
	}
	if f, err := strconv.ParseFloat(raw, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		return f
	}
	if raw == "true" || raw == "false" {
		return raw == "true"
	}
	return raw
}
