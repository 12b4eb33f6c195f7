package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
)

// This file is the next page of a served recommendation list (infinite scroll): the list's
// request ranked again, without the items the list and its earlier pages showed.

// MaxPages bounds the pages of one list, the first included, so that the items a next page
// leaves out stay within MaxPages × limits.max_n.
const MaxPages = 50

// NextRequest asks for the next page of a served recommendation list.
type NextRequest struct {
	// ID is the recommendation id of the list's first page or of any of its later pages.
	ID string
	// SessionID must be the list's session when the list was served to an anonymous session
	// (no user): a list of a session is paged only by who holds the session.
	SessionID string
	N         int
}

// nextPage is what makes a recommendation request a later page of a served list.
type nextPage struct {
	parent string              // the first page's recommendation id
	params string              // the first page's request, as recorded
	shown  map[string]struct{} // every item the list's pages showed so far
}

// pageParams is the request a recommendation list was served for, as its impression keeps it
// (store.Impression.Params): the request as the client sent it, so a next page ranks as the
// first did (and an experiment's sticky assignment gives it the same variant).
type pageParams struct {
	V   int              `json:"v"`
	Req RecommendRequest `json:"req"`
}

// pageParamsVersion is the version of pageParams' encoding.
const pageParamsVersion = 1

// maxPageParams bounds the request kept with an impression: a larger one (long exclude or
// context lists) is not kept, and its list has no next page. Typical requests take well under
// a kilobyte; this keeps the impression queue's memory and the store's rows near the size of
// their items.
const maxPageParams = 16 << 10

// encodePageParams encodes a validated request for its impression ("" when it is too large).
func encodePageParams(req *RecommendRequest) string {
	b, err := json.Marshal(pageParams{V: pageParamsVersion, Req: *req})
	if err != nil || len(b) > maxPageParams { // a validated request always encodes
		return ""
	}
	return string(b)
}

// decodePageParams is encodePageParams' inverse.
func decodePageParams(s string) (RecommendRequest, error) {
	var p pageParams
	if err := json.Unmarshal([]byte(s), &p); err != nil || p.V != pageParamsVersion {
		return RecommendRequest{}, recd.Invalid("recommendation_id", fmt.Sprintf("names a list whose request was not "+
			"kept (over %d KiB, or served before next pages existed): it has no next page", maxPageParams>>10))
	}
	return p.Req, nil
}

// errNoList is the answer for an id that names no list the caller may page.
func errNoList(retention time.Duration) error {
	return &recd.FieldError{Field: "recommendation_id", Err: recd.ErrNotFound,
		Message: fmt.Sprintf("names no served list (unknown, or older than the %v retention)", retention)}
}

// Next serves the next n items of a served recommendation list: the first page's request is
// ranked again over as many candidates as the list's pages showed plus n, and the first n
// items that neither the first page nor its later pages showed (nor, as always, the user
// interacted with) are answered with a new recommendation id recorded with the first page as
// its parent. An unknown or expired id, or a session list asked for
// without its session, is not found; similar and query lists have no next page.
func (s *reader) Next(ctx context.Context, req NextRequest) (rank.Response, error) {
	if err := s.checkN(req.N); err != nil {
		return rank.Response{}, err
	}
	if !validRecommendationID(req.ID) {
		return rank.Response{}, recd.Invalid("recommendation_id", "is not a recommendation id (26 Crockford base32 characters)")
	}
	if s.imp == nil {
		return rank.Response{}, fmt.Errorf("next pages need impressions (feedback.impressions) on a store that keeps them: %w", recd.ErrUnavailable)
	}
	first, err := s.imp.firstPage(ctx, req.ID, req.SessionID)
	if err != nil {
		return rank.Response{}, err
	}
	rr, err := decodePageParams(first.Params)
	if err != nil {
		return rank.Response{}, err
	}
	shown, err := s.imp.shownIn(ctx, &first)
	if err != nil {
		return rank.Response{}, err
	}
	rr.N = req.N
	rr.page = &nextPage{parent: first.ID, params: first.Params, shown: shown}
	return s.Recommend(ctx, rr)
}

// firstPage returns the first page of the list id names (id's own list, or its parent), when
// it is a recommendation list within the retention that the caller may page.
func (r *impressions) firstPage(ctx context.Context, id, session string) (store.Impression, error) {
	im, err := r.live(ctx, id)
	if err == nil && im.Parent != "" {
		im, err = r.live(ctx, im.Parent)
	}
	if err != nil {
		return im, err
	}
	if im.UserID == "" && im.SessionID != "" && im.SessionID != session {
		return im, errNoList(r.opts.Retention)
	}
	if im.Route != RouteRecommend {
		return im, recd.Invalid("recommendation_id", fmt.Sprintf("names a %s list: only recommendation lists have next pages", im.Route))
	}
	return im, nil
}

// live returns the impression with id when it is within the retention.
func (r *impressions) live(ctx context.Context, id string) (store.Impression, error) {
	im, err := r.get(ctx, "", id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && im.Time.Before(time.Now().Add(-r.opts.Retention))) {
		return im, errNoList(r.opts.Retention)
	}
	if err != nil {
		return im, fmt.Errorf("read the list: %w", err)
	}
	return im, nil
}

// shownIn returns every item the first page and its later pages (queued, being written or
// stored) showed. A list with MaxPages pages has no further page.
func (r *impressions) shownIn(ctx context.Context, first *store.Impression) (map[string]struct{}, error) {
	pages := r.queuedPages(first.ID)
	if ps, ok := r.st.(store.ImpressionPages); ok {
		stored, err := ps.LaterPages(ctx, first.ID, MaxPages)
		if err != nil {
			return nil, fmt.Errorf("read the list's pages: %w", err)
		}
		for _, im := range stored {
			if !slices.ContainsFunc(pages, func(q store.Impression) bool { return q.ID == im.ID }) {
				pages = append(pages, im)
			}
		}
	}
	if len(pages)+1 >= MaxPages {
		return nil, recd.Invalid("recommendation_id", fmt.Sprintf("the list has had its %d pages: ask for a new list", MaxPages))
	}
	shown := make(map[string]struct{})
	for _, im := range append(pages, *first) {
		for _, it := range im.Items {
			shown[it.ItemID] = struct{}{}
		}
	}
	return shown, nil
}

// queuedPages returns the later pages of first that are queued or being written.
func (r *impressions) queuedPages(first string) []store.Impression {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []store.Impression
	for _, q := range [][]store.Impression{r.queue, r.inflight} {
		for i := range q {
			if q[i].Parent == first {
				out = append(out, q[i])
			}
		}
	}
	return out
}
