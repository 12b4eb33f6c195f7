package server

import (
	"context"
	"net/http"

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
