package server

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd/service"
)

const maxListParam = 1000

func (s *Server) recommend(c *gin.Context) {
	n, err := intParam(c, "n", 10, 1, 1<<20)
	if err != nil {
		fail(c, err)
		return
	}
	exclude, err := listParam(c, "exclude", maxListParam)
	if err != nil {
		fail(c, err)
		return
	}
	cats, err := listParam(c, "category", maxListParam)
	if err != nil {
		fail(c, err)
		return
	}
	resp, err := s.b.Recommend(c, service.RecommendRequest{UserID: c.Param("id"), N: n, Exclude: exclude, Categories: cats})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, resp)
}

func (s *Server) similar(c *gin.Context) {
	n, err := intParam(c, "n", 10, 1, 1<<20)
	if err != nil {
		fail(c, err)
		return
	}
	cats, err := listParam(c, "category", maxListParam)
	if err != nil {
		fail(c, err)
		return
	}
	resp, err := s.b.Similar(c, c.Param("id"), n, cats)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, resp)
}

func (s *Server) popular(c *gin.Context) {
	n, err := intParam(c, "n", 10, 1, 1<<20)
	if err != nil {
		fail(c, err)
		return
	}
	cats, err := listParam(c, "category", maxListParam)
	if err != nil {
		fail(c, err)
		return
	}
	resp, err := s.b.Popular(c, n, cats)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, resp)
}

func (s *Server) trending(c *gin.Context) {
	n, err := intParam(c, "n", 10, 1, 1<<20)
	if err != nil {
		fail(c, err)
		return
	}
	cats, err := listParam(c, "category", maxListParam)
	if err != nil {
		fail(c, err)
		return
	}
	resp, err := s.b.Trending(c, n, cats)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, resp)
}

func (s *Server) train(c *gin.Context) {
	info, err := s.b.Train(context.WithoutCancel(c.Request.Context())) // a client hanging up does not waste the run
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, info)
}

func (s *Server) models(c *gin.Context) {
	ms, err := s.b.Models(c)
	if err != nil {
		fail(c, err)
		return
	}
	if ms == nil {
		ms = []service.ModelInfo{}
	}
	c.JSON(http.StatusOK, gin.H{"models": ms})
}
