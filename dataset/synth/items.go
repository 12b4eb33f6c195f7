package synth

import (
	"bufio"
	"context"
	"io"
	"math/rand/v2"
	"strconv"
)

// writeItems writes the catalog: an id, a title, the item's topics as categories, tags and a
// text drawn mostly from its topics' words (so content models can find the tastes too), and
// a year attribute.
func writeItems(ctx context.Context, o Options, c *catalog, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	src := rand.NewPCG(0, 0)
	rng := rand.New(src)
	var buf []byte
	for i := range o.Items {
		if i%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		src.Seed(o.Seed, streamItem+uint64(i))
		buf = c.appendItem(buf[:0], rng, i)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func (c *catalog) appendItem(buf []byte, rng *rand.Rand, i int) []byte {
	own := c.vocab[c.topic[i]]
	word := func() string {
		if rng.Float64() < 0.6 {
			return own[rng.IntN(len(own))]
		}
		return c.common[rng.IntN(len(c.common))]
	}
	buf = append(buf, `{"id":"i`...)
	buf = strconv.AppendInt(buf, int64(i+1), 10)
	buf = append(buf, `","title":"`...)
	buf = appendTitle(buf, own[rng.IntN(len(own))])
	buf = append(buf, ' ')
	buf = appendTitle(buf, c.common[rng.IntN(len(c.common))])
	buf = append(buf, `","categories":["`...)
	buf = append(buf, topicNames[c.topic[i]]...)
	if c.second[i] >= 0 {
		buf = append(buf, `","`...)
		buf = append(buf, topicNames[c.second[i]]...)
	}
	buf = append(buf, `"],"tags":["`...)
	for k := range 3 {
		if k > 0 {
			buf = append(buf, `","`...)
		}
		buf = append(buf, own[rng.IntN(len(own))]...)
	}
	buf = append(buf, `"],"text":"`...)
	for k := range 12 + rng.IntN(12) {
		if k > 0 {
			buf = append(buf, ' ')
		}
		buf = append(buf, word()...)
	}
	buf = append(buf, `","attributes":{"year":`...)
	buf = strconv.AppendInt(buf, int64(1950+rng.IntN(70)), 10)
	return append(buf, "}}\n"...)
}

// appendTitle appends w with its first letter upper-cased (the words are lower-case ASCII).
func appendTitle(buf []byte, w string) []byte {
	return append(append(buf, w[0]-'a'+'A'), w[1:]...)
}
