package eval

import (
	"github.com/recd/recd"
	"github.com/recd/recd/model"
)

// The optional interfaces below let a model learn more than the training matrix gives it;
// the evaluation checks for each by type assertion. A model that also implements io.Closer
// is closed by RunCLI and by the tuner once it is no longer needed.

// ItemAware is implemented by models that also learn from the catalog (titles, categories,
// tags), such as the served hybrid pipeline; RunCLI hands them the data set's items before
// fitting when the data has them.
type ItemAware interface {
	SetItems(items []recd.Item)
}

// EventAware is implemented by models that fit on the training events themselves (their
// times), not only on the dataset built from them, such as the served pipeline with its
// learned ranker; RunCLI hands them the split's training events before fitting.
type EventAware interface {
	SetTrainEvents(events []recd.Event)
}

// VectorAware is implemented by models that hold item vectors for the training items, such
// as the served hybrid pipeline (content and CF vectors). After fitting, the evaluation asks
// it for the cosine similarity of two training items' vectors in each space it has (by item
// index; safe for concurrent use, 0 when either has no vector) and reports intra-list
// diversity on each as "ild_<space>", beside the genre yardstick (MetricILD).
type VectorAware interface {
	VectorSimilarities(train *model.Dataset) map[string]func(a, b int32) float64
}

// ListLengthAware is implemented by models that rank only the head of a list, such as the
// served pipeline, which returns the k items a request asks for. EvaluateFitted tells them
// Options.K before scoring any user, so the list length is the one the evaluation was given.
type ListLengthAware interface {
	SetListLength(k int)
}
