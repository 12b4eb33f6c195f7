package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/service"
)

// knobs are the per-request ranking parameters shared by the GET and POST routes.
type knobs struct {
	Diversity         *float64 `json:"diversity"`
	Calibration       *float64 `json:"calibration"`
	LongTailShare     *float64 `json:"long_tail_share"`
	SessionWeight     *float64 `json:"session_weight"`
	ExposureStrength  *float64 `json:"exposure_strength"`
	Rotation          *float64 `json:"rotation"`
	Exclude           []string `json:"exclude"`
	Categories        []string `json:"categories"`
	ExcludeCategories []string `json:"exclude_categories"`
	Filters           []string `json:"filters"` // e.g. "year>=1990"
	Boosts            []string `json:"boosts"`  // e.g. "category=Comedy*1.5"
}

// rules parses the filter and boost expressions into rank rules; boost factors must lie
// within limits.max_boost_factor.
func (k *knobs) rules(l service.Limits) (rank.Rules, error) {
	r := rank.Rules{Exclude: k.Exclude, Categories: k.Categories, ExcludeCategories: k.ExcludeCategories}
	for i, f := range k.Filters {
		c, err := rank.ParseCondition(f)
		if err != nil {
			return r, recd.Invalid(fmt.Sprintf("filter[%d]", i), err.Error())
		}
		r.Filters = append(r.Filters, c)
	}
	for i, b := range k.Boosts {
		bo, err := rank.ParseBoost(b)
		if err != nil {
			return r, recd.Invalid(fmt.Sprintf("boost[%d]", i), err.Error())
		}
		if err := checkBoost(fmt.Sprintf("boost[%d]", i), bo, l.MaxBoostFactor); err != nil {
			return r, err
		}
		r.Boosts = append(r.Boosts, bo)
	}
	return r, nil
}

// queryKnobs reads the ranking parameters from the query string, within l.
func queryKnobs(c *gin.Context, l service.Limits) (knobs, error) {
	var k knobs
	var err error
	for i, dst := range k.floats() {
		if *dst, err = floatParam(c, knobRanges[i]); err != nil {
			return k, err
		}
	}
	for _, f := range []struct {
		b   listBound
		dst *[]string
	}{{excludeBound, &k.Exclude}, {catBound, &k.Categories}, {exclCatBound, &k.ExcludeCategories}} {
		if *f.dst, err = listParam(c, f.b, l); err != nil {
			return k, err
		}
	}
	if k.Filters, err = arrayParam(c, filterBound, l); err != nil {
		return k, err
	}
	k.Boosts, err = arrayParam(c, boostBound, l)
	return k, err
}

func (s readRoutes) recommend(c *gin.Context) {
	n, err := intParam(c, "n", 10, 1, s.opts.Limits.MaxN)
	if err != nil {
		fail(c, err)
		return
	}
	k, err := queryKnobs(c, s.opts.Limits)
	if err != nil {
		fail(c, err)
		return
	}
	s.runRecommend(c, service.RecommendRequest{UserID: c.Param("id"), SessionID: c.Query("session_id"), N: n}, k)
}

// recommendIn is the body of POST /v1/recommendations.
type recommendIn struct {
	UserID       string   `json:"user_id"`
	SessionID    string   `json:"session_id"`
	ContextItems []string `json:"context_items"`
	N            *int     `json:"n"`
	knobs
}

// recommendPost recommends for a user, an anonymous session or a list of context items.
func (s readRoutes) recommendPost(c *gin.Context) {
	var in recommendIn
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	n := 10
	if in.N != nil {
		n = *in.N
	}
	if err := s.checkRecommendIn(&in, n); err != nil {
		fail(c, err)
		return
	}
	s.runRecommend(c, service.RecommendRequest{UserID: in.UserID, SessionID: in.SessionID,
		ContextItems: in.ContextItems, N: n}, in.knobs)
}

// checkRecommendIn bounds a POST recommendation body as the GET route's parameters are.
func (s readRoutes) checkRecommendIn(in *recommendIn, n int) error {
	l := s.opts.Limits
	if err := checkN(n, l); err != nil {
		return err
	}
	if len(in.UserID) > l.MaxIDLength {
		return recd.Invalid("user_id", fmt.Sprintf("at most %d bytes", l.MaxIDLength))
	}
	if len(in.SessionID) > l.MaxIDLength {
		return recd.Invalid("session_id", fmt.Sprintf("at most %d bytes", l.MaxIDLength))
	}
	if err := contextBound.check(l, false, in.ContextItems); err != nil {
		return err
	}
	return in.knobs.check(l, false)
}

func (s readRoutes) runRecommend(c *gin.Context, req service.RecommendRequest, k knobs) {
	rules, err := k.rules(s.opts.Limits)
	if err != nil {
		fail(c, err)
		return
	}
	req.Rules = rules
	req.Diversity, req.Calibration, req.LongTailShare = k.Diversity, k.Calibration, k.LongTailShare
	req.SessionWeight, req.ExposureStrength, req.Rotation = k.SessionWeight, k.ExposureStrength, k.Rotation
	resp, err := s.b.Recommend(c.Request.Context(), req)
	if err != nil {
		fail(c, err)
		return
	}
	s.answer(c, resp)
}

// next serves the next page of a served recommendation list; a list served to an anonymous
// session needs that session_id.
func (s readRoutes) next(c *gin.Context) {
	n, err := intParam(c, "n", 10, 1, s.opts.Limits.MaxN)
	if err != nil {
		fail(c, err)
		return
	}
	id := c.Param("recommendation_id")
	if !service.ValidRecommendationID(id) {
		fail(c, recd.Invalid("recommendation_id", "is not a recommendation id (26 Crockford base32 characters)"))
		return
	}
	resp, err := s.b.Next(c.Request.Context(), service.NextRequest{ID: id, SessionID: c.Query("session_id"), N: n})
	if err != nil {
		fail(c, err)
		return
	}
	s.answer(c, resp)
}

func (s readRoutes) similar(c *gin.Context) {
	n, err := intParam(c, "n", 10, 1, s.opts.Limits.MaxN)
	if err != nil {
		fail(c, err)
		return
	}
	cats, err := listParam(c, catBound, s.opts.Limits)
	if err != nil {
		fail(c, err)
		return
	}
	resp, err := s.b.Similar(c.Request.Context(), c.Param("id"), n, c.Query("by"), cats)
	if err != nil {
		fail(c, err)
		return
	}
	s.answer(c, resp)
}

func (s readRoutes) popular(c *gin.Context)  { s.list(c, s.b.Popular) }
func (s readRoutes) trending(c *gin.Context) { s.list(c, s.b.Trending) }

// list serves the non-personal lists (popular, trending): n and category parameters.
func (s readRoutes) list(c *gin.Context, fn func(ctx context.Context, n int, categories []string) (rank.Response, error)) {
	n, err := intParam(c, "n", 10, 1, s.opts.Limits.MaxN)
	if err != nil {
		fail(c, err)
		return
	}
	cats, err := listParam(c, catBound, s.opts.Limits)
	if err != nil {
		fail(c, err)
		return
	}
	resp, err := fn(c.Request.Context(), n, cats)
	if err != nil {
		fail(c, err)
		return
	}
	s.answer(c, resp)
}

func (s readRoutes) spaces(c *gin.Context) {
	sp, err := s.b.Spaces(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	if sp == nil {
		sp = []index.SpaceInfo{}
	}
	c.JSON(http.StatusOK, gin.H{"spaces": sp})
}

// train trains now; without force=true a store unchanged since the served version answers
// 200 with that version, "skipped": true and the reason.
func (s adminRoutes) train(c *gin.Context) {
	train := s.b.Train
	switch c.Query("force") {
	case "", "false":
	case "true":
		train = s.b.TrainForced
	default:
		fail(c, fmt.Errorf("force must be true or false: %w", recd.ErrInvalid))
		return
	}
	info, err := train(context.WithoutCancel(c.Request.Context())) // a client hanging up does not waste the run
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, info)
}

func (s adminRoutes) models(c *gin.Context) {
	ms, err := s.b.Models(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	if ms == nil {
		ms = []service.ModelInfo{}
	}
	c.JSON(http.StatusOK, gin.H{"models": ms})
}
