// Package dataset reads interaction data sets from disk into recd's domain types:
// the MovieLens layouts (latest-small CSV and the classic 100K files).
package dataset

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/recd/recd"
	"golang.org/x/text/encoding/charmap"
)

// Data is a catalog and its events.
type Data struct {
	Items  []recd.Item
	Events []recd.Event
}

// ReadMovieLens reads a MovieLens directory in either the latest-small CSV layout
// (movies.csv, ratings.csv, tags.csv) or the classic 100K layout (u.item, u.data).
// Ratings become rating events with their value, genres become categories, tags become
// item tags, and the year in the title becomes the "year" attribute.
func ReadMovieLens(dir string) (*Data, error) {
	d, err := ReadMovieLensFS(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("read movielens %s: %w", dir, err)
	}
	return d, nil
}

// ReadMovieLensFS is ReadMovieLens over a file system (such as an embedded copy).
func ReadMovieLensFS(fsys fs.FS) (*Data, error) {
	if _, err := fs.Stat(fsys, "movies.csv"); err == nil {
		return readLatest(fsys)
	}
	if _, err := fs.Stat(fsys, "u.item"); err == nil {
		return read100K(fsys)
	}
	return nil, errors.New("neither movies.csv nor u.item found")
}

var yearRE = regexp.MustCompile(`\((\d{4})(?:[–-]\d{0,4})?\)\s*$`)

func newMovie(id, title string, genres []string) recd.Item {
	title = strings.TrimSpace(title)
	it := recd.Item{ID: id, Title: title, Available: true, Attributes: map[string]any{}}
	for _, g := range genres {
		if g != "" && g != "(no genres listed)" && g != "unknown" {
			it.Categories = append(it.Categories, g)
		}
	}
	if m := yearRE.FindStringSubmatch(title); m != nil {
		y, _ := strconv.Atoi(m[1])
		it.Attributes["year"] = y
	}
	return it
}

func readLatest(fsys fs.FS) (*Data, error) {
	d := &Data{}
	index := map[string]int{}
	err := readCSV(fsys, "movies.csv", 3, func(line int, r []string) error {
		index[r[0]] = len(d.Items)
		d.Items = append(d.Items, newMovie(r[0], r[1], strings.Split(r[2], "|")))
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readCSV(fsys, "ratings.csv", 4, func(line int, r []string) error {
		v, err := strconv.ParseFloat(r[2], 64)
		if err != nil {
			return fmt.Errorf("line %d: rating %q: %w", line, r[2], err)
		}
		ts, err := strconv.ParseInt(r[3], 10, 64)
		if err != nil {
			return fmt.Errorf("line %d: timestamp %q: %w", line, r[3], err)
		}
		d.Events = append(d.Events, recd.Event{UserID: r[0], ItemID: r[1], Type: recd.EventRating,
			Value: v, Timestamp: time.Unix(ts, 0).UTC()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readCSV(fsys, "tags.csv", 4, func(line int, r []string) error {
		n, ok := index[r[1]]
		if !ok {
			return nil
		}
		tag := strings.ToLower(strings.TrimSpace(r[2]))
		it := &d.Items[n]
		for _, t := range it.Tags {
			if t == tag {
				return nil
			}
		}
		if tag != "" {
			it.Tags = append(it.Tags, tag)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return d, nil
}

// readCSV calls fn for each record after the header; line numbers are 1-based file lines.
func readCSV(fsys fs.FS, path string, fields int, fn func(line int, r []string) error) error {
	f, err := fsys.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<16))
	r.FieldsPerRecord = fields
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil {
		return fmt.Errorf("%s: header: %w", path, err)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		if err := fn(line, rec); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
}

// genres100K are the genre columns of u.item, in order.
var genres100K = []string{"unknown", "Action", "Adventure", "Animation", "Children", "Comedy", "Crime",
	"Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
	"Thriller", "War", "Western"}

func read100K(fsys fs.FS) (*Data, error) {
	d := &Data{}
	f, err := fsys.Open("u.item")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(charmap.ISO8859_1.NewDecoder().Reader(f))
	for line := 1; sc.Scan(); line++ {
		r := strings.Split(sc.Text(), "|")
		if len(r) < 5+len(genres100K) {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			return nil, fmt.Errorf("u.item line %d: %d fields, want %d", line, len(r), 5+len(genres100K))
		}
		var gs []string
		for g, flag := range r[5 : 5+len(genres100K)] {
			if flag == "1" {
				gs = append(gs, genres100K[g])
			}
		}
		d.Items = append(d.Items, newMovie(r[0], r[1], gs))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	g, err := fsys.Open("u.data")
	if err != nil {
		return nil, err
	}
	defer g.Close()
	sc = bufio.NewScanner(g)
	for line := 1; sc.Scan(); line++ {
		r := strings.Fields(sc.Text())
		if len(r) == 0 {
			continue
		}
		if len(r) != 4 {
			return nil, fmt.Errorf("u.data line %d: %d fields, want 4", line, len(r))
		}
		v, err1 := strconv.ParseFloat(r[2], 64)
		ts, err2 := strconv.ParseInt(r[3], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("u.data line %d: bad rating or timestamp", line)
		}
		d.Events = append(d.Events, recd.Event{UserID: r[0], ItemID: r[1], Type: recd.EventRating,
			Value: v, Timestamp: time.Unix(ts, 0).UTC()})
	}
	return d, sc.Err()
}
