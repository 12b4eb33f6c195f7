package rank

// This file is the source cache's byte accounting: what an entry is estimated to hold.

// Bytes returns the cached entries' memory, as sourceEntry.bytes estimates it.
func (c *SourceCache) Bytes() int64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

// Sizes of the parts of an entry, on a 64-bit platform: a string or slice header, one
// SourceScore (ID, Score, Because, Category) and one coldItem, and a map entry of EASE's
// history (key, value and the map's per-entry overhead, about 2x).
const (
	sliceHeader      = 24
	sourceScoreBytes = 16 + 8 + 24 + 16
	coldItemBytes    = 16 + 8 + 8
	easeItemBytes    = 2 * (4 + 4)
	entryBytes       = 200 // sourceEntry and easeState themselves, the LRU's element and key
)

// bytes estimates the heap e holds on its own: EASE's scores and history, the lists' and
// cold items' slices and the Because lists. Item ids are not counted: they are the model's
// strings, shared with it.
func (e *sourceEntry) bytes() int64 {
	n := int64(entryBytes)
	for _, l := range e.lists {
		n += sliceHeader + int64(cap(l.Items))*sourceScoreBytes
		for _, it := range l.Items {
			n += int64(cap(it.Because)) * 16
		}
	}
	n += int64(cap(e.cold)) * coldItemBytes
	if e.ease != nil {
		n += int64(cap(e.ease.scores))*4 + int64(len(e.ease.items))*easeItemBytes
	}
	return n
}
