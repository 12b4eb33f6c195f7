// Package examples embeds the bundled MovieLens latest-small data set (see its README.txt for
// the licence) so that `recd demo` works from any directory with no download.
package examples

import (
	"embed"
	"io/fs"
)

//go:embed ml-latest-small/movies.csv ml-latest-small/ratings.csv ml-latest-small/tags.csv
var files embed.FS

// MovieLensSmall returns the bundled MovieLens latest-small files.
func MovieLensSmall() fs.FS {
	sub, err := fs.Sub(files, "ml-latest-small")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}
