package main

import (
	"context"
	"fmt"
	"io"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
	"github.com/recd/recd/server"
)

// maxReadEvents bounds what readDataDir holds in memory: the commands that read a whole data
// set (simulate) keep every event as a Go value, about 100 bytes each.
const maxReadEvents = 20_000_000

// readDataDir reads a data set directory into memory: MovieLens files, or items.jsonl and
// events.jsonl (optionally .gz) as `recd generate` writes them. A JSON-lines line that does
// not decode fails the read, naming the file and the first such line: a simulation on part of
// a data set would measure something else than was asked.
func readDataDir(dir string) (*dataset.Data, error) {
	format, err := detectFormat(dir)
	if err != nil {
		return nil, err
	}
	if format == "movielens" {
		return dataset.ReadMovieLens(dir)
	}
	files := jsonlFiles(dir)
	data := &dataset.Data{}
	if files[0] != "" {
		if err := readJSONLFile(files[0], (&server.ItemDecoder{}).Decode, func(it recd.Item) error {
			data.Items = append(data.Items, it)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	if files[1] != "" {
		if err := readJSONLFile(files[1], (&server.EventDecoder{}).Decode, func(e recd.Event) error {
			if len(data.Events) == maxReadEvents {
				return fmt.Errorf("more than %d events: give a smaller data set (recd generate --events N)", maxReadEvents)
			}
			data.Events = append(data.Events, e)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return data, nil
}

// readJSONLFile decodes every line of path (gunzipping a .gz) and hands each value to add;
// the first line that does not decode fails it.
func readJSONLFile[T any](path string, decode func([]byte) (T, error), add func(T) error) error {
	var bad *rejection
	_, err := importFile(context.Background(), path, io.Discard, importBatch, decode,
		func(_ context.Context, batch []T, _ func(int, error)) error {
			for _, v := range batch {
				if err := add(v); err != nil {
					return err
				}
			}
			return nil
		},
		func(rj rejection) {
			if bad == nil {
				bad = &rj
			}
		})
	if err == nil && bad != nil {
		err = fmt.Errorf("%s: line %d: %s", path, bad.Line, bad.Reason)
	}
	return err
}
