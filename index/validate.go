package index

import (
	"context"
	"fmt"
)

// MaxK bounds SearchRequest.K.
const MaxK = 100_000

// ValidatePoints checks every vector of every point against the spaces that lookup
// returns, so that a caller can reject a whole Upsert before writing anything. Errors name
// the item and the space.
func ValidatePoints(points []Point, lookup func(space string) (SpaceConfig, bool)) error {
	for i := range points {
		p := &points[i]
		if p.ID == "" {
			return fmt.Errorf("point %d: %w", i, invalid("id", "empty id"))
		}
		for name, v := range p.Vectors {
			cfg, ok := lookup(name)
			if !ok {
				if !ValidSpaceName(name) {
					return fmt.Errorf("item %s: %q: %w", p.ID, name, ErrBadSpaceName)
				}
				return fmt.Errorf("item %s: space %s: %w", p.ID, name, ErrUnknownSpace)
			}
			if cfg.Sparse {
				return fmt.Errorf("item %s: space %s is sparse, got a dense vector: %w", p.ID, name, ErrBadVector)
			}
			if err := ValidateDense(v, cfg.Dim); err != nil {
				return fmt.Errorf("item %s: space %s: %w", p.ID, name, err)
			}
		}
		for name, v := range p.Sparse {
			cfg, ok := lookup(name)
			if !ok {
				if !ValidSpaceName(name) {
					return fmt.Errorf("item %s: %q: %w", p.ID, name, ErrBadSpaceName)
				}
				return fmt.Errorf("item %s: space %s: %w", p.ID, name, ErrUnknownSpace)
			}
			if !cfg.Sparse {
				return fmt.Errorf("item %s: space %s is dense, got a sparse vector: %w", p.ID, name, ErrBadVector)
			}
			if err := ValidateSparse(v); err != nil {
				return fmt.Errorf("item %s: space %s: %w", p.ID, name, err)
			}
		}
	}
	return nil
}

// ValidateSearch checks a request against the space it names: K in 1..MaxK, a dense query
// of the right dimension for a dense space, a sparse query for a sparse space, a valid filter.
func ValidateSearch(req SearchRequest, cfg SpaceConfig) error {
	if req.K <= 0 || req.K > MaxK {
		return invalid("k", fmt.Sprintf("k must be in 1..%d, got %d", MaxK, req.K))
	}
	if req.Ef < 0 {
		return invalid("ef", "ef must not be negative")
	}
	if cfg.Sparse {
		if req.Sparse == nil {
			return fmt.Errorf("space %s is sparse: %w", cfg.Name, invalid("sparse", "missing sparse query"))
		}
		if err := ValidateSparse(*req.Sparse); err != nil {
			return fmt.Errorf("query: %w", err)
		}
	} else {
		if req.Vector == nil {
			return fmt.Errorf("space %s is dense: %w", cfg.Name, invalid("vector", "missing dense query"))
		}
		if err := ValidateDense(req.Vector, cfg.Dim); err != nil {
			return fmt.Errorf("query: %w", err)
		}
	}
	if req.Filter != nil {
		for i, c := range req.Filter.Conditions {
			if err := c.Validate(); err != nil {
				return fmt.Errorf("condition %d: %w", i, err)
			}
		}
	}
	return nil
}

// EnsureSpaces creates the spaces that points name but ix does not have yet: dense spaces
// with the dimension of the first vector written to them, sparse spaces as sparse, both
// with metric m. Names that are not plain identifiers are left for Upsert to reject.
func EnsureSpaces(ctx context.Context, ix Index, points []Point, m Metric) error {
	infos, err := ix.Spaces(ctx)
	if err != nil {
		return fmt.Errorf("list spaces: %w", err)
	}
	have := make(map[string]bool, len(infos))
	for _, s := range infos {
		have[s.Name] = true
	}
	for _, p := range points {
		for name, v := range p.Vectors {
			if have[name] || !ValidSpaceName(name) || len(v) == 0 {
				continue
			}
			if err := ix.CreateSpace(ctx, SpaceConfig{Name: name, Dim: len(v), Metric: m}); err != nil {
				return fmt.Errorf("create space %s: %w", name, err)
			}
			have[name] = true
		}
		for name := range p.Sparse {
			if have[name] || !ValidSpaceName(name) {
				continue
			}
			if err := ix.CreateSpace(ctx, SpaceConfig{Name: name, Metric: m, Sparse: true}); err != nil {
				return fmt.Errorf("create space %s: %w", name, err)
			}
			have[name] = true
		}
	}
	return nil
}

// ClonePayload deep-copies the slices and attribute map of p so a stored payload does not
// alias the caller's.
func ClonePayload(p Payload) Payload {
	out := Payload{Available: p.Available}
	if p.Categories != nil {
		out.Categories = append([]string(nil), p.Categories...)
	}
	if p.Attributes != nil {
		out.Attributes = make(map[string]any, len(p.Attributes))
		for k, v := range p.Attributes {
			out.Attributes[k] = v
		}
	}
	return out
}
