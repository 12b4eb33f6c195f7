package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd"
)

// lineError reports one rejected NDJSON line.
type lineError struct {
	Line  int      `json:"line"`
	ID    string   `json:"id,omitempty"`
	Error apiError `json:"error"`
}

const ndjsonChunk = 1000

// ndjsonBatch stores an NDJSON body chunk by chunk and keeps the count of stored items and
// the rejected lines. It belongs to one request and is not safe for concurrent use.
type ndjsonBatch struct {
	put      func(ctx context.Context, items []recd.Item) error
	chunk    []recd.Item
	lines    []int // the body's line number of each chunk entry
	rejected []lineError
	stored   int
}

// add queues it, read from line; a full chunk is stored.
func (n *ndjsonBatch) add(ctx context.Context, line int, it recd.Item) error {
	n.chunk = append(n.chunk, it)
	n.lines = append(n.lines, line)
	if len(n.chunk) >= ndjsonChunk {
		return n.flush(ctx)
	}
	return nil
}

// flush stores the queued chunk. When an entry is refused, the entries are stored one by
// one so that every bad line is named; a server-side failure stops the request.
func (n *ndjsonBatch) flush(ctx context.Context) error {
	if len(n.chunk) == 0 {
		return nil
	}
	defer func() { n.chunk, n.lines = n.chunk[:0], n.lines[:0] }()
	err := n.put(ctx, n.chunk)
	if err == nil {
		n.stored += len(n.chunk)
		return nil
	}
	if status, _ := statusOf(err); status >= 500 {
		return err
	}
	for i, it := range n.chunk {
		if err := n.put(ctx, []recd.Item{it}); err != nil {
			if status, _ := statusOf(err); status >= 500 {
				return err
			}
			n.rejected = append(n.rejected, lineErr(n.lines[i], it.ID, err))
			continue
		}
		n.stored++
	}
	return nil
}

// postItemsNDJSON stores one item per line; blank lines are skipped. An empty body is a 400;
// a body whose every line is refused is a 422 listing them.
func (s catalogRoutes) postItemsNDJSON(c *gin.Context) {
	ctx := c.Request.Context()
	sc := bufio.NewScanner(requestBody(c))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	batch := &ndjsonBatch{put: s.b.PutItems}
	line, entries := 0, 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		entries++
		it, err := DecodeItem(b)
		if err != nil {
			batch.rejected = append(batch.rejected, lineErr(line, "", err))
			continue
		}
		if err := batch.add(ctx, line, it); err != nil {
			fail(c, err)
			return
		}
	}
	if err := sc.Err(); err != nil {
		le, err := scanError(err, line+1)
		if err != nil {
			fail(c, err)
			return
		}
		batch.rejected = append(batch.rejected, le)
	}
	if entries == 0 && len(batch.rejected) == 0 {
		fail(c, recd.Invalid("", "the body is empty: an NDJSON batch needs at least one item, one per line"))
		return
	}
	if err := batch.flush(ctx); err != nil {
		fail(c, err)
		return
	}
	status := http.StatusOK
	if batch.stored == 0 && len(batch.rejected) > 0 {
		status = http.StatusUnprocessableEntity
	}
	rejected := batch.rejected
	if rejected == nil {
		rejected = []lineError{}
	}
	c.JSON(status, gin.H{"stored": batch.stored, "rejected": rejected})
}

// scanError sorts the NDJSON scanner's failure at line: a line nested too deeply or too long
// is rejected, a body that did not arrive whole (too large, too slow, the client gone) fails
// the request, since the lines after the last stored chunk are unknown.
func scanError(err error, line int) (lineError, error) {
	var mbe *http.MaxBytesError
	var de *DepthError
	var be *bodyError
	switch {
	case errors.As(err, &de):
		return lineErr(line, "", recd.Invalid("", "malformed JSON: "+de.Error())), nil
	case errors.As(err, &mbe), errors.As(err, &be):
		return lineError{}, err
	}
	return lineErr(line, "", recd.Invalid("", "the line is longer than 16 MiB")), nil
}
