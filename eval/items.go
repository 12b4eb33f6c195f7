package eval

import (
	"github.com/recd/recd"
	"github.com/recd/recd/model"
)

// ItemAware is implemented by models that also learn from the catalog (titles, categories,
// tags), such as the served hybrid pipeline; RunCLI hands them the data set's items before
// fitting when the data has them.
type ItemAware interface {
	SetItems(items []recd.Item)
}

// VectorAware is implemented by models that hold item vectors for the training items, such
// as the served hybrid pipeline (content and CF vectors). After fitting, the evaluation asks
// it for the cosine similarity of two training items' vectors in each space it has (by item
// index; safe for concurrent use, 0 when either has no vector) and reports intra-list
// diversity on each as "ild_<space>", beside the genre yardstick (MetricILD).
type VectorAware interface {
	VectorSimilarities(train *model.Dataset) map[string]func(a, b int32) float64
}
