package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/recd/recd/sim"
)

// runSimulatePrepare writes the training part of the split as a MovieLens directory, for a
// server the simulation then runs against with --server:
//
//	recd simulate prepare --out ./sim-train --seed 1
//	recd import movielens --data-dir ./data ./sim-train && recd train --data-dir ./data
func runSimulatePrepare(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var f simFlags
	fs := flag.NewFlagSet("recd simulate prepare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "directory to write movies.csv, ratings.csv and tags.csv into (required)")
	fs.Int64Var(&f.seed, "seed", 1, "seed of the split: give the same --seed to simulate")
	fs.StringVar(&f.data, "data", "", "data set to split (a MovieLens directory, or items.jsonl and events.jsonl); give the same --data to simulate. Default: the bundled MovieLens latest-small")
	fs.IntVar(&f.items, "items", 0, "keep only the N most-rated movies (0: all); give the same --items to simulate")
	fs.Usage = func() {
		printUsage(stderr, fs, "simulate prepare --out DIR [--seed N] [--items N]",
			"recd simulate prepare --out ./sim-train && recd import movielens --data-dir ./data ./sim-train")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("give --out DIR and no other argument")
	}
	split, err := f.split()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := writeSplit(*out, split); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d movies and %d training ratings to %s; %d users have a held-out set\n",
		len(split.Items), len(split.Train), *out, len(split.Users))
	return nil
}

// writeSplit writes the split's catalog and training part in the latest-small CSV layout.
func writeSplit(dir string, s *sim.Split) error {
	movies := [][]string{{"movieId", "title", "genres"}}
	tags := [][]string{{"userId", "movieId", "tag", "timestamp"}}
	for _, it := range s.Items {
		movies = append(movies, []string{it.ID, it.Title, strings.Join(it.Categories, "|")})
		for _, t := range it.Tags {
			tags = append(tags, []string{"0", it.ID, t, "0"})
		}
	}
	ratings := [][]string{{"userId", "movieId", "rating", "timestamp"}}
	for _, e := range s.Train {
		ratings = append(ratings, []string{e.UserID, e.ItemID, strconv.FormatFloat(e.Value, 'g', -1, 64),
			strconv.FormatInt(e.Timestamp.Unix(), 10)})
	}
	for name, rows := range map[string][][]string{"movies.csv": movies, "ratings.csv": ratings, "tags.csv": tags} {
		if err := writeCSV(filepath.Join(dir, name), rows); err != nil {
			return err
		}
	}
	return nil
}

func writeCSV(path string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
