package dataset

import (
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzReadMovieLens feeds arbitrary movies.csv, ratings.csv and tags.csv contents to the
// latest-small reader: it must return an error or data that keeps its invariants, never
// panic. Seeds: testdata/fuzz/FuzzReadMovieLens and the lines below.
func FuzzReadMovieLens(f *testing.F) {
	f.Add("movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n2,\"Heat, The (1995)\",Action\n",
		"userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,5,964981247\n",
		"userId,movieId,tag,timestamp\n2,1,Pixar,1445714994\n2,1,pixar,1445714995\n")
	f.Add("movieId,title,genres\n1,x,(no genres listed)\n", "userId,movieId,rating,timestamp\n", "")
	f.Add("movieId,title,genres\n1,\"unterminated\n", "userId,movieId,rating,timestamp\n1,1,NaN,1\n", "")
	f.Add("movieId,title,genres\n", "userId,movieId,rating,timestamp\n1,1,4,99999999999999999999\n", "")
	f.Fuzz(func(t *testing.T, movies, ratings, tags string) {
		fsys := fstest.MapFS{"movies.csv": {Data: []byte(movies)}, "ratings.csv": {Data: []byte(ratings)}}
		if tags != "" {
			fsys["tags.csv"] = &fstest.MapFile{Data: []byte(tags)}
		}
		d, err := ReadMovieLensFS(fsys)
		if err != nil {
			if d != nil {
				t.Fatalf("error %v with data", err)
			}
			return
		}
		if len(d.Items) > strings.Count(movies, "\n")+1 || len(d.Events) > strings.Count(ratings, "\n")+1 {
			t.Fatalf("%d items and %d events from %d and %d lines", len(d.Items), len(d.Events),
				strings.Count(movies, "\n")+1, strings.Count(ratings, "\n")+1)
		}
		for _, it := range d.Items {
			if !it.Available || it.Attributes == nil {
				t.Fatalf("item %q: not available or nil attributes", it.ID)
			}
			seen := map[string]bool{}
			for _, tag := range it.Tags {
				if tag == "" || tag != strings.ToLower(strings.TrimSpace(tag)) || seen[tag] {
					t.Fatalf("item %q: bad or repeated tag %q in %q", it.ID, tag, it.Tags)
				}
				seen[tag] = true
			}
		}
		for _, e := range d.Events {
			if e.Type != "rating" || e.Timestamp.Location().String() != "UTC" {
				t.Fatalf("event %+v", e)
			}
		}
	})
}

// FuzzReadMovieLens100K is FuzzReadMovieLens for the classic u.item / u.data layout.
func FuzzReadMovieLens100K(f *testing.F) {
	genres := "|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0"
	f.Add([]byte("1|Toy Story (1995)|01-Jan-1995||http://x"+genres+"\n"), []byte("196\t1\t3\t881250949\n"))
	f.Add([]byte("1|Caf\xe9 (1995)|||"+genres+"\n\n"), []byte("1 1 x 1\n"))
	f.Add([]byte("1|short\n"), []byte(""))
	f.Fuzz(func(t *testing.T, uitem, udata []byte) {
		d, err := ReadMovieLensFS(fstest.MapFS{"u.item": {Data: uitem}, "u.data": {Data: udata}})
		if err != nil {
			return
		}
		for _, it := range d.Items {
			for _, c := range it.Categories {
				if c == "" || c == "unknown" {
					t.Fatalf("item %q: category %q", it.ID, c)
				}
			}
		}
		for _, e := range d.Events {
			if e.UserID == "" || e.ItemID == "" {
				t.Fatalf("event without ids: %+v", e)
			}
		}
	})
}
