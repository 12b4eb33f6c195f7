package qdrant

import (
	"testing"

	"github.com/recd/recd/cond"
	"github.com/recd/recd/cond/condtest"
	"github.com/recd/recd/index"
	"github.com/recd/recd/index/qdrant/qdranttest"
)

// TestTranslateFilter_Conformance stores each table item as the Qdrant payload Upsert
// writes, translates each table condition, and evaluates the translation with the protocol
// double's reading of Qdrant's filters: the translation must match exactly the items package
// cond does. (The real Qdrant server runs the same table through indextest when QDRANT_ADDR
// is set.)
func TestTranslateFilter_Conformance(t *testing.T) {
	condtest.Run(t, func(c cond.Condition, it condtest.Item) bool {
		p, err := toPayload(it.ID, index.Payload{Attributes: it.Attributes})
		if err != nil {
			t.Fatalf("toPayload(%s): %v", it.ID, err)
		}
		qf, none, err := translateFilter(&index.Filter{Conditions: []index.Condition{c}})
		if err != nil {
			t.Fatalf("translateFilter(%+v): %v", c, err)
		}
		if none {
			return false
		}
		ok, err := qdranttest.MatchPayload(qf, p)
		if err != nil {
			t.Fatalf("evaluate %v: %v", qf, err)
		}
		return ok
	})
}
