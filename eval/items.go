package eval

import "github.com/recd/recd"

// ItemAware is implemented by models that also learn from the catalog (titles, categories,
// tags), such as the served hybrid pipeline; RunCLI hands them the data set's items before
// fitting when the data has them.
type ItemAware interface {
	SetItems(items []recd.Item)
}
