package rank

import "context"

// filterChunk is how many candidates filterStage admits between two checks of the context.
const filterChunk = 512

// filterStage applies the business rules to the scored candidates: it drops what the
// request must not show (admit), applies the rules' boosts, keeps what the caller's Keep
// accepts, cuts the pool to Options.Pool and annotates the rest (Annotate). A plain request
// was filtered by the head shortcut already (headOf, which calls the same admit).
type filterStage struct{}

func (filterStage) run(ctx context.Context, r *request) error {
	if r.head {
		return nil
	}
	p := r.p
	if err := r.rules.Validate(); err != nil {
		return err
	}
	cands := r.cands
	kept := cands[:0]
	for start := 0; start < len(cands); start += filterChunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk, err := r.admit(cands[start:min(start+filterChunk, len(cands))])
		if err != nil {
			return err
		}
		kept = append(kept, chunk...) // kept ends at or before start: no overlap ahead
	}
	if len(r.rules.Boosts) > 0 {
		var err error
		if kept, err = (Rules{Boosts: r.rules.Boosts}).Apply(kept, p.info); err != nil {
			return err
		}
	}
	if r.req.Keep != nil {
		k := kept[:0]
		for _, c := range kept {
			if r.req.Keep(c.ID) {
				k = append(k, c)
			}
		}
		kept = k
	}
	if len(kept) > p.Opts.Pool {
		kept = kept[:p.Opts.Pool]
	}
	Annotate(kept, p.info, p.M.Tail)
	r.cands = kept
	return nil
}

// admit drops from chunk, in place and keeping the order, the candidates the request must
// not show: the excluded ones (rules.Exclude, checked as r.excl and r.outside rather than
// by a set Rules.Apply would build for every chunk), the unavailable ones (one catalog
// lookup per candidate, which also gives its Categories) and those the rest of the rules
// reject. Boosts are left to the caller. It returns the kept prefix.
func (r *request) admit(chunk []Candidate) ([]Candidate, error) {
	p := r.p
	kept := chunk[:0]
	for _, c := range chunk {
		if i, ok := p.M.ItemIndex[c.ID]; ok && r.excl.has(i) || r.outside[c.ID] {
			continue
		}
		m, ok := p.Catalog.Item(c.ID)
		if r.rules.AvailableOnly && !(ok && m.Available) {
			continue
		}
		c.Categories = m.Categories
		kept = append(kept, c)
	}
	return r.rest.Apply(kept, p.info) // filters in place, keeps the order
}
