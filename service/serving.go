package service

import (
	"github.com/recd/recd/embed"
	"github.com/recd/recd/rank"
)

// serving is the immutable snapshot requests read: models plus the pipeline over them. The
// trainer publishes a new one atomically (Service.snap); requests in flight keep the old one.
type serving struct {
	info     ModelInfo
	models   *rank.Models
	pipeline *rank.Pipeline
	content  *embed.ContentModel // nil when the catalog has no text
	proj     *embed.Projection   // content -> CF; nil when not fitted
}

// cfVector is an item's CF vector: its ALS factors when it has interactions, otherwise its
// content vector projected into the CF space (nil when neither is known).
func (sv *serving) cfVector(id string, content []float32) []float32 {
	m := sv.models
	if m.ALS == nil {
		return nil
	}
	if i, ok := m.ItemIndex[id]; ok && int(i) < len(m.Counts) && m.Counts[i] > 0 {
		return m.ALS.ItemFactors().Row(int(i))
	}
	if content == nil || sv.proj == nil {
		return nil
	}
	v, err := sv.proj.Project(content)
	if err != nil {
		return nil
	}
	return v
}
