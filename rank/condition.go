package rank

import "github.com/recd/recd/index"

// MatchCondition reports whether an attribute value v (ok false when the item lacks the
// attribute) satisfies c. It is index.MatchValue: the post-filter here and the filter pushed
// down into the index (embedded or Qdrant) are one evaluator, so they cannot disagree. A
// missing attribute passes ne and fails every other op; numbers compare with numbers of any
// Go numeric type or json.Number, strings with strings, bools with bools; for a list value
// eq and in hold when some element matches and ne when none does.
func MatchCondition(c index.Condition, v any, ok bool) bool { return index.MatchValue(c, v, ok) }
