package rank

import (
	"errors"
	"fmt"

	"github.com/recd/recd"
	"github.com/recd/recd/cond"
	"github.com/recd/recd/index"
)

// ParseCondition parses an attribute filter such as "year>=1990", "lang=fr",
// "title!='Up'", "category=Comedy" or "lang:in:en|fr"; the syntax is cond.Parse's. Errors
// wrap recd.ErrInvalid.
func ParseCondition(s string) (index.Condition, error) { return cond.Parse(s) }

// validCondition checks a rule's condition: a field name cond.ValidField accepts and a
// well-formed op and value.
func validCondition(c index.Condition) error {
	if !cond.ValidField(c.Field) {
		return fmt.Errorf("bad field name %q", c.Field)
	}
	if err := c.Validate(); err != nil {
		var fe *recd.FieldError
		if errors.As(err, &fe) {
			return errors.New(fe.Message)
		}
		return err
	}
	return nil
}

// matchItem evaluates c on a candidate with package cond's evaluator, the one the index
// push-down uses too: the category pseudo-attribute is the candidate's category list, any
// other field the item's attribute from info (none when info is nil).
func matchItem(c index.Condition, cd Candidate, info ItemInfo) bool {
	if c.Field == CategoryField {
		return c.Match(cd.Categories, true)
	}
	if info == nil {
		return false
	}
	v, ok := info.Attribute(cd.ID, c.Field)
	return c.Match(v, ok)
}

// pushCategory turns a condition on the category pseudo-attribute into the index filter's
// category lists where that keeps the filter no stricter than the condition, and reports
// whether it did. eq and in join the any-of Categories (an index filter that then allows
// more items is fine: Apply has the last word); ne and nin join ExcludeCategories with their
// string values only, since categories are strings and no category equals another kind of
// value. Other ops stay conditions.
func pushCategory(f *index.Filter, c index.Condition) bool {
	grow := func(xs []string) []string { return xs[:len(xs):len(xs)] }
	switch c.Op {
	case cond.Eq:
		f.Categories = append(grow(f.Categories), fmt.Sprint(c.Value))
	case cond.In:
		list, _ := cond.List(c.Value)
		f.Categories = grow(f.Categories)
		for _, v := range list {
			f.Categories = append(f.Categories, fmt.Sprint(v))
		}
		if len(list) == 0 {
			return false // nothing passes; the condition says so exactly
		}
	case cond.Ne, cond.NotIn:
		list := []any{c.Value}
		if c.Op == cond.NotIn {
			list, _ = cond.List(c.Value)
		}
		f.ExcludeCategories = grow(f.ExcludeCategories)
		for _, v := range list {
			if s, ok := v.(string); ok {
				f.ExcludeCategories = append(f.ExcludeCategories, s)
			}
		}
	default:
		return false
	}
	return true
}
