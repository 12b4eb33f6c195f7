package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd"
	"github.com/recd/recd/service"
)

// Descriptions is what the generated-description routes call.
type Descriptions interface {
	PutGenerated(ctx context.Context, id string, in service.GeneratedIn) (recd.Item, error)
}

// generatedIn is a generated description as a describer sends it.
type generatedIn struct {
	Text       string   `json:"text"`
	Model      string   `json:"model"`
	Fields     []string `json:"fields"`
	SourceHash string   `json:"source_hash"`
}

// putGenerated stores an item's generated description and answers the item as stored.
func (s catalogRoutes) putGenerated(c *gin.Context) {
	var in generatedIn
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	it, err := s.b.PutGenerated(c.Request.Context(), c.Param("id"), service.GeneratedIn{
		Text: in.Text, Model: in.Model, Fields: in.Fields, SourceHash: in.SourceHash})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, it)
}

// Jobs is what the describe-job routes call.
type Jobs interface {
	StartDescribe(ctx context.Context, req service.DescribeRequest) (service.Job, error)
	Job(ctx context.Context, id string) (service.Job, error)
}

// describe starts a describe job on the server (409 while one runs) and answers it.
func (s adminRoutes) describe(c *gin.Context) {
	var req service.DescribeRequest
	switch c.Query("only_thin") {
	case "", "false":
	case "true":
		req.OnlyThin = true
	default:
		fail(c, recd.Invalid("only_thin", "must be true or false"))
		return
	}
	if f := c.Query("fields"); f != "" {
		req.Fields = strings.Split(f, ",")
	}
	job, err := s.b.StartDescribe(c.Request.Context(), req)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, job)
}

// job answers a background job's state and progress.
func (s adminRoutes) job(c *gin.Context) {
	job, err := s.b.Job(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, job)
}
