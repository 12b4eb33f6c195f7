package redisstate

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/recd/recd/rank"
)

// Precomputed is a user's default recommendation list computed ahead of requests. It is valid
// while the user's generation, the catalog generation and the model version are the ones it
// was computed at.
type Precomputed struct {
	Gen     int64         `json:"gen"`
	Catalog int64         `json:"catalog"`
	Version string        `json:"version"`
	N       int           `json:"n"`
	Created time.Time     `json:"created"`
	Resp    rank.Response `json:"resp"`
}

func (s *State) preKey(user string) string { return s.key("pre", user) }

// PutPrecomputed stores a user's precomputed list for ttl.
func (s *State) PutPrecomputed(ctx context.Context, user string, pc *Precomputed, ttl time.Duration) error {
	b, err := json.Marshal(pc)
	if err != nil {
		return fmt.Errorf("encode precomputed list: %w", err)
	}
	ctx, cancel, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	return s.end(s.c.Set(ctx, s.preKey(user), b, ttl).Err())
}
