package qdrant

import (
	"context"
	"fmt"
	"sync"

	"github.com/qdrant/go-client/qdrant"

	"github.com/recd/recd/index"
)

// Upsert implements index.Index. Every vector is validated against the space configs first
// (the same checks as the embedded index), and every payload is converted (attributes must
// be nil, strings, bools, numbers, json.Number, lists or map[string]any; other types are
// invalid), so a rejected call sends nothing. Then, per
// space, the points naming that space are upserted into its collection in batches of
// Options.UpsertBatch, at most Options.UpsertConcurrency requests in flight; and the new
// payload of every point is written over the payload of the same point in the collections
// of the spaces it does not name (where it exists), so filters see one payload per item in
// every space. Each request waits for the write to be applied.
//
// Qdrant has no transaction across requests: if the server fails mid-call (after the
// retries), some batches may be written and others not. Every request is idempotent, so
// calling Upsert again with the same points completes it.
func (ix *Index) Upsert(ctx context.Context, points []index.Point) error {
	if len(points) == 0 {
		return nil
	}
	cfgs := map[string]index.SpaceConfig{}
	var lerr error
	lookup := func(space string) (index.SpaceConfig, bool) {
		if c, ok := cfgs[space]; ok {
			return c, true
		}
		c, ok, err := ix.lookup(ctx, space)
		if err != nil && lerr == nil {
			lerr = err
		}
		if ok {
			cfgs[space] = c
		}
		return c, ok
	}
	verr := index.ValidatePoints(points, lookup)
	if lerr != nil {
		return lerr
	}
	if verr != nil {
		return verr
	}
	points = mergeDuplicates(points)
	bySpace := map[string][]*qdrant.PointStruct{}
	payloads := make(map[string]map[string]*qdrant.Value, len(points))
	for _, p := range points {
		pl, err := toPayload(p.ID, p.Payload)
		if err != nil {
			return err
		}
		payloads[p.ID] = pl
		pid := qdrant.NewIDUUID(PointID(p.ID))
		for name, v := range p.Vectors {
			bySpace[name] = append(bySpace[name], &qdrant.PointStruct{
				Id: pid, Payload: pl,
				Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{name: qdrant.NewVectorDense(v)}),
			})
		}
		for name, v := range p.Sparse {
			vals := v.Values
			if cfgs[name].Metric == index.Cosine {
				vals = append([]float32(nil), vals...)
				index.Normalize(vals)
			}
			bySpace[name] = append(bySpace[name], &qdrant.PointStruct{
				Id: pid, Payload: pl,
				Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{name: qdrant.NewVectorSparse(v.Indices, vals)}),
			})
		}
	}
	var jobs []func(context.Context) error
	for space, pts := range bySpace {
		for start := 0; start < len(pts); start += ix.opts.UpsertBatch {
			batch := pts[start:min(start+ix.opts.UpsertBatch, len(pts))]
			jobs = append(jobs, func(ctx context.Context) error { return ix.upsertBatch(ctx, space, batch) })
		}
	}
	if err := ix.run(ctx, jobs); err != nil {
		return err
	}
	return ix.syncPayloads(ctx, points, payloads)
}

// mergeDuplicates folds points with the same id into one, as if they were written one after
// another: the last payload wins, and each space keeps the last vector written to it.
func mergeDuplicates(points []index.Point) []index.Point {
	pos := make(map[string]int, len(points))
	dup := false
	for _, p := range points {
		if _, ok := pos[p.ID]; ok {
			dup = true
			break
		}
		pos[p.ID] = 0
	}
	if !dup {
		return points
	}
	clear(pos)
	var out []index.Point
	for _, p := range points {
		i, ok := pos[p.ID]
		if !ok {
			pos[p.ID] = len(out)
			out = append(out, index.Point{ID: p.ID, Vectors: map[string][]float32{}, Sparse: map[string]index.SparseVector{}})
			i = len(out) - 1
		}
		m := &out[i]
		m.Payload = p.Payload
		for k, v := range p.Vectors {
			m.Vectors[k] = v
		}
		for k, v := range p.Sparse {
			m.Sparse[k] = v
		}
	}
	return out
}

func (ix *Index) upsertBatch(ctx context.Context, space string, batch []*qdrant.PointStruct) error {
	name := ix.collectionName(space)
	err := ix.do(ctx, "upsert "+name, func(ctx context.Context) error {
		_, err := ix.client.Upsert(ctx, &qdrant.UpsertPoints{CollectionName: name, Wait: qdrant.PtrOf(true), Points: batch})
		return err
	})
	if notFound(err) {
		ix.forget(space)
	}
	return err
}

// syncPayloads overwrites the payload of each point in the collections of the spaces the
// point does not name, by a has_id filter so that points absent there are left alone.
func (ix *Index) syncPayloads(ctx context.Context, points []index.Point, payloads map[string]map[string]*qdrant.Value) error {
	spaces, err := ix.spaceNames(ctx)
	if err != nil {
		return err
	}
	var jobs []func(context.Context) error
	for _, space := range spaces {
		var ops []*qdrant.PointsUpdateOperation
		for _, p := range points {
			if _, ok := p.Vectors[space]; ok {
				continue
			}
			if _, ok := p.Sparse[space]; ok {
				continue
			}
			sel := qdrant.NewPointsSelectorFilter(&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewHasID(qdrant.NewIDUUID(PointID(p.ID)))}})
			ops = append(ops, qdrant.NewPointsUpdateOverwritePayload(&qdrant.PointsUpdateOperation_OverwritePayload{
				Payload: payloads[p.ID], PointsSelector: sel,
			}))
		}
		name := ix.collectionName(space)
		for start := 0; start < len(ops); start += ix.opts.UpsertBatch {
			batch := ops[start:min(start+ix.opts.UpsertBatch, len(ops))]
			jobs = append(jobs, func(ctx context.Context) error {
				err := ix.do(ctx, "update payloads "+name, func(ctx context.Context) error {
					_, err := ix.client.UpdateBatch(ctx, &qdrant.UpdateBatchPoints{CollectionName: name, Wait: qdrant.PtrOf(true), Operations: batch})
					return err
				})
				if notFound(err) {
					ix.forget(space) // the collection was dropped: nothing to keep in sync
					return nil
				}
				return err
			})
		}
	}
	return ix.run(ctx, jobs)
}

// run runs jobs with at most Options.UpsertConcurrency in flight and returns the first
// error; after an error no new job starts.
func (ix *Index) run(ctx context.Context, jobs []func(context.Context) error) error {
	if len(jobs) == 1 {
		return jobs[0](ctx)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, ix.opts.UpsertConcurrency)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for _, job := range jobs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := job(ctx); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return fmt.Errorf("qdrant upsert: %w", ctx.Err())
	}
	return first
}

// Delete implements index.Index: the points are deleted from every space's collection
// (unknown ids are ignored by Qdrant).
func (ix *Index) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	spaces, err := ix.spaceNames(ctx)
	if err != nil {
		return err
	}
	var jobs []func(context.Context) error
	for start := 0; start < len(ids); start += ix.opts.UpsertBatch {
		sel := qdrant.NewPointsSelectorIDs(pointIDs(ids[start:min(start+ix.opts.UpsertBatch, len(ids))]))
		for _, space := range spaces {
			name := ix.collectionName(space)
			jobs = append(jobs, func(ctx context.Context) error {
				err := ix.do(ctx, "delete from "+name, func(ctx context.Context) error {
					_, err := ix.client.Delete(ctx, &qdrant.DeletePoints{CollectionName: name, Wait: qdrant.PtrOf(true), Points: sel})
					return err
				})
				if notFound(err) {
					return nil
				}
				return err
			})
		}
	}
	return ix.run(ctx, jobs)
}
