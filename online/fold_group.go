package online

import (
	"context"
	"fmt"
	"time"

	"github.com/recd/recd/store"
)

// This file is how a fold names a list's group and unit.

// late reports whether the fold is past its soft deadline.
func (f *folder) late() bool { return !f.soft.IsZero() && time.Now().After(f.soft) }

// unitOf is the unit a list counts for: its user, else its session, else the list itself;
// bySession puts the session first.
func unitOf(im *store.Impression, bySession bool) string {
	switch {
	case bySession && im.SessionID != "":
		return "session:" + im.SessionID
	case im.UserID != "":
		return im.UserID
	case im.SessionID != "":
		return "session:" + im.SessionID
	}
	return "list:" + im.ID
}

// groupOf is the list's group under the query's dimension; past maxRawGroups distinct
// values a new value goes to GroupOther.
func (f *folder) groupOf(ctx context.Context, im *store.Impression) (string, error) {
	var key string
	switch f.q.GroupBy {
	case ByNone:
		key = GroupAll
	case ByVariant:
		key = im.Variant
	case ByStrategy:
		key = im.Strategy
	case ByModelVersion:
		key = im.ModelVersion
	case ByRoute:
		key = im.Route
	default:
		var err error
		if key, err = f.userGroup(ctx, im.UserID); err != nil {
			return "", err
		}
	}
	if key == "" {
		key = GroupNone
	}
	if _, ok := f.accs[key]; !ok && len(f.accs) >= maxRawGroups {
		key = GroupOther
	}
	return key, nil
}

// userGroup is a user's attribute value, looked up once per user per fold.
func (f *folder) userGroup(ctx context.Context, user string) (string, error) {
	if user == "" {
		return GroupAnonymous, nil
	}
	if v, ok := f.userVals[user]; ok {
		return v, nil
	}
	v, ok, err := f.env.Users.UserAttribute(ctx, user, f.attr)
	if err != nil {
		return "", fmt.Errorf("attribute of user %q: %w", user, err)
	}
	if !ok {
		v = GroupUnknown
	}
	if len(v) > maxAttrName {
		v = v[:maxAttrName]
	}
	f.userVals[user] = v
	return v, nil
}
