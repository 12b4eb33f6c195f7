package synth

import (
	"bufio"
	"context"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// Stats say what Generate wrote.
type Stats struct {
	Users, Items, NewItems int
	Events                 int64
}

// Random streams: each part draws from its own PCG stream of the seed, so that changing one
// part's draws never shifts another's.
const (
	streamCatalog  = 1
	streamActivity = 2
	streamItem     = 1 << 40 // + item number
	streamUser     = 1 << 41 // + user number
)

// progressEvery is how many events pass between two progress calls.
const progressEvery = 1 << 16

// Generate writes o.Items items to items and o.Events events to events, one JSON object a
// line, in the shapes recd import reads. Memory holds the catalog's and the users' counts
// (a few bytes per item and per user) and one user's history at a time, never the events.
// progress, when not nil, is called with the number of events written so far.
func Generate(ctx context.Context, o Options, items, events io.Writer, progress func(done int64)) (Stats, error) {
	if err := o.Validate(); err != nil {
		return Stats{}, err
	}
	src := rand.NewPCG(o.Seed, streamCatalog)
	rng := rand.New(src)
	c := newCatalog(o, rng)
	src.Seed(o.Seed, streamActivity)
	counts := activity(o, rng)
	st := Stats{Users: o.Users, Items: o.Items, NewItems: o.Items - o.activeItems()}
	if err := writeItems(ctx, o, c, items); err != nil {
		return st, err
	}
	bw := bufio.NewWriterSize(events, 1<<20)
	g := &userGen{o: o, c: c, rng: rng, seen: map[int32]struct{}{}}
	var buf []byte
	for u, n := range counts {
		if u%1024 == 0 && ctx.Err() != nil {
			return st, ctx.Err()
		}
		src.Seed(o.Seed, streamUser+uint64(u))
		buf = g.user(buf[:0], u, int(n))
		if _, err := bw.Write(buf); err != nil {
			return st, err
		}
		before := st.Events
		st.Events += int64(n)
		if progress != nil && st.Events/progressEvery != before/progressEvery {
			progress(st.Events)
		}
	}
	if progress != nil {
		progress(st.Events)
	}
	return st, bw.Flush()
}

// user appends user u's n events to buf: sessions of about SessionLen events, SessionGap
// apart on average, starting at a time drawn in the first 80% of the span. A heavy user's
// gaps shrink so that their events stay inside the span (the span ends in the past, and an
// event dated in the future would be refused by import).
func (g *userGen) user(buf []byte, u, n int) []byte {
	clear(g.seen)
	g.tastesOf()
	t := g.o.Start.Add(time.Duration(g.rng.Float64() * 0.8 * float64(g.o.Span)))
	end := g.o.Start.Add(g.o.Span)
	sessionGap, eventGap := g.fitGaps(n, end.Sub(t))
	session, left := 0, 0
	for range n {
		if left == 0 {
			session++
			left = 1 + int(g.rng.ExpFloat64()*(g.o.SessionLen-1)+0.5)
			if session > 1 {
				t = t.Add(g.expDur(sessionGap))
			}
		}
		left--
		t = t.Add(g.expDur(eventGap))
		if t.After(end) { // an unlucky draw past the scaled expectation
			t = end
		}
		item, liked := g.item()
		buf = g.appendEvent(buf, u, session, item, liked, t)
	}
	return buf
}

// appendEvent appends one event line: a rating (3.5 to 5 stars for an item of the user's
// tastes, 0.5 to 3.5 otherwise), or with Implicit a view, like or purchase (likes and
// purchases mostly within the user's tastes).
func (g *userGen) appendEvent(buf []byte, u, session int, item int32, liked bool, t time.Time) []byte {
	buf = append(buf, `{"user_id":"u`...)
	buf = strconv.AppendInt(buf, int64(u+1), 10)
	buf = append(buf, `","item_id":"i`...)
	buf = strconv.AppendInt(buf, int64(item+1), 10)
	if g.o.Implicit {
		typ, x := "view", g.rng.Float64()
		switch {
		case liked && x < 0.15, !liked && x < 0.02:
			typ = "purchase"
		case liked && x < 0.45, !liked && x < 0.07:
			typ = "like"
		}
		buf = append(buf, `","type":"`...)
		buf = append(buf, typ...)
		buf = append(buf, '"')
	} else {
		v := 0.5 + 0.5*float64(g.rng.IntN(7))
		if liked {
			v = 3.5 + 0.5*float64(g.rng.IntN(4))
		}
		buf = append(buf, `","type":"rating","value":`...)
		buf = strconv.AppendFloat(buf, v, 'f', -1, 64)
	}
	buf = append(buf, `,"timestamp":"`...)
	buf = t.UTC().AppendFormat(buf, time.RFC3339)
	buf = append(buf, `","session_id":"u`...)
	buf = strconv.AppendInt(buf, int64(u+1), 10)
	buf = append(buf, "-s"...)
	buf = strconv.AppendInt(buf, int64(session), 10)
	return append(buf, "\"}\n"...)
}
