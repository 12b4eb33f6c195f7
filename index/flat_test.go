package index_test

import (
	"testing"

	"github.com/recd/recd/index"
	"github.com/recd/recd/index/indextest"
)

func TestFlat_Conformance(t *testing.T) {
	indextest.Run(t, func(*testing.T) index.Index { return index.NewFlat() })
}
