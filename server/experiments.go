package server

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd/experiment"
	"github.com/recd/recd/service"
)

// Experimenter is what the experiment routes call. It is optional: a backend without it
// answers those routes 503.
type Experimenter interface {
	PutExperiment(ctx context.Context, x experiment.Experiment) (service.ExperimentInfo, bool, error)
	GetExperiment(ctx context.Context, id string) (service.ExperimentInfo, error)
	ListExperiments(ctx context.Context) ([]service.ExperimentInfo, error)
	DeleteExperiment(ctx context.Context, id string) error
	ExperimentReport(ctx context.Context, id string) (experiment.Report, error)
}

var _ Experimenter = (*service.Service)(nil)

// experimentRoutes serve /v1/experiments: definitions (admin writes, read or admin reads)
// and reports.
type experimentRoutes struct{ *Server }

// experimentIn is the body of PUT /v1/experiments/{id}. Status and created are what a read
// answers; a write accepts and ignores them.
type experimentIn struct {
	ID       string               `json:"id"`
	Design   string               `json:"design"`
	Unit     string               `json:"unit"`
	Variants []experiment.Variant `json:"variants"`
	Start    time.Time            `json:"start"`
	End      time.Time            `json:"end"`
	Created  *time.Time           `json:"created"`
	Status   *string              `json:"status"`
}

// experimenter returns the backend's experiment calls, or answers 503.
func (s experimentRoutes) experimenter(c *gin.Context) (Experimenter, bool) {
	x, ok := s.b.(Experimenter)
	if !ok {
		fail(c, service.ErrNoExperiments)
	}
	return x, ok
}

func (s experimentRoutes) put(c *gin.Context) {
	x, ok := s.experimenter(c)
	if !ok {
		return
	}
	var in experimentIn
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	id, err := pathID(c, in.ID)
	if err != nil {
		fail(c, err)
		return
	}
	info, created, err := x.PutExperiment(c.Request.Context(), experiment.Experiment{ID: id, Design: in.Design,
		Unit: in.Unit, Variants: in.Variants, Start: in.Start, End: in.End})
	if err != nil {
		fail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, info)
}

func (s experimentRoutes) get(c *gin.Context) {
	x, ok := s.experimenter(c)
	if !ok {
		return
	}
	info, err := x.GetExperiment(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, info)
}

func (s experimentRoutes) list(c *gin.Context) {
	x, ok := s.experimenter(c)
	if !ok {
		return
	}
	all, err := x.ListExperiments(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	if all == nil {
		all = []service.ExperimentInfo{}
	}
	c.JSON(http.StatusOK, gin.H{"experiments": all})
}

func (s experimentRoutes) delete(c *gin.Context) {
	x, ok := s.experimenter(c)
	if !ok {
		return
	}
	if err := x.DeleteExperiment(c.Request.Context(), c.Param("id")); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s experimentRoutes) report(c *gin.Context) {
	x, ok := s.experimenter(c)
	if !ok {
		return
	}
	r, err := x.ExperimentReport(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}
