package redisstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/recd/recd/rank"
	"github.com/redis/go-redis/v9"
)

// Event is what RecordEvents keeps of one stored event.
type Event struct {
	UserID, SessionID, ItemID, Type string
	Time                            time.Time
	// Weight is the event's weight (recd's event weights); an event of weight <= 0 (a
	// dislike) is neither a session action nor counted as trending.
	Weight float64
	Seq    int64 // the store's sequence number
}

// genScript bumps a user's generation and raises the newest sequence seen. A generation
// created (or recreated after expiry) starts from the clock in microseconds, so a value is
// never handed out twice. KEYS[1] the user's hash; ARGV now µs, seq, ttl ms.
var genScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('HSET', KEYS[1], 'g', ARGV[1]) end
local g = redis.call('HINCRBY', KEYS[1], 'g', 1)
local s = tonumber(redis.call('HGET', KEYS[1], 's') or '0')
if tonumber(ARGV[2]) > s then redis.call('HSET', KEYS[1], 's', ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return g`)

func (s *State) genKey(user string) string      { return s.key("gen", user) }
func (s *State) userSessKey(user string) string { return s.key("sess", "u", user) }
func (s *State) anonSessKey(sess string) string { return s.key("sess", "s", sess) }

func encodeAction(a rank.Action) string {
	return strconv.FormatInt(a.Time.UnixNano(), 10) + "\x1f" + a.Type + "\x1f" + a.ItemID
}

func decodeAction(v string) (rank.Action, bool) {
	ts, rest, ok := strings.Cut(v, "\x1f")
	if !ok {
		return rank.Action{}, false
	}
	typ, item, ok := strings.Cut(rest, "\x1f")
	n, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || item == "" {
		return rank.Action{}, false
	}
	return rank.Action{ItemID: item, Type: typ, Time: time.Unix(0, n).UTC()}, true
}

// RecordEvents applies stored events in one round trip: each positive event joins the trending
// counter and, unless older than the session TTL (an import of old data), the recent actions of
// its user and of its session (capped lists that expire); each user's generation is bumped (and
// the newest sequence raised) and their last event time in the active set raised. It then
// publishes an "events" change per user from origin.
func (s *State) RecordEvents(ctx context.Context, origin string, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	ctx, cancel, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	now := time.Now()
	cut := now.Add(-s.o.SessionTTL)
	seqs := map[string]int64{}
	last := map[string]time.Time{}
	var users []string
	var trend []any
	p := s.c.Pipeline()
	for _, e := range events {
		if _, ok := seqs[e.UserID]; !ok {
			users = append(users, e.UserID)
		}
		seqs[e.UserID] = max(seqs[e.UserID], e.Seq)
		if e.Time.After(last[e.UserID]) {
			last[e.UserID] = e.Time
		}
		if e.Weight <= 0 {
			continue
		}
		trend = append(trend, e.ItemID, e.Weight, trendTime(e.Time))
		if e.Time.Before(cut) {
			continue
		}
		a := encodeAction(rank.Action{ItemID: e.ItemID, Type: e.Type, Time: e.Time})
		s.pushAction(ctx, p, s.userSessKey(e.UserID), a)
		if e.SessionID != "" {
			s.pushAction(ctx, p, s.anonSessKey(e.SessionID), a)
		}
	}
	if len(trend) > 0 {
		s.addTrending(ctx, p, trend)
	}
	s.bumpGens(ctx, p, users, seqs, last, now)
	for _, u := range users {
		p.Publish(ctx, s.key("changes"), encodeChange(Change{Kind: ChangeEvents, ID: u, Origin: origin}))
	}
	_, err = p.Exec(ctx)
	return s.end(err)
}

func (s *State) pushAction(ctx context.Context, p redis.Pipeliner, key, a string) {
	p.LPush(ctx, key, a)
	p.LTrim(ctx, key, 0, int64(s.o.SessionMaxActions)-1)
	p.PExpire(ctx, key, s.o.SessionTTL)
}

// bumpGens bumps the users' generations and raises their last event time in the active set
// (to now for a user missing from last).
func (s *State) bumpGens(ctx context.Context, p redis.Pipeliner, users []string, seqs map[string]int64, last map[string]time.Time, now time.Time) {
	for _, u := range users {
		genScript.Eval(ctx, p, []string{s.genKey(u)}, now.UnixMicro(), seqs[u], s.o.GenTTL.Milliseconds())
	}
	if len(users) == 0 {
		return
	}
	zs := make([]redis.Z, len(users))
	for i, u := range users {
		t, ok := last[u]
		if !ok {
			t = now
		}
		zs[i] = redis.Z{Score: float64(t.Unix()), Member: u}
	}
	act := s.key("active")
	p.ZAddGT(ctx, act, zs...)
	p.ZRemRangeByRank(ctx, act, 0, -int64(s.o.ActiveMaxUsers)-1)
}

// BumpUsers bumps the generation of users (with the newest sequence of each) without recording
// actions: for events whose RecordEvents failed, so that no replica keeps serving a list cached
// before them once Redis is back.
func (s *State) BumpUsers(ctx context.Context, seqs map[string]int64) error {
	if len(seqs) == 0 {
		return nil
	}
	ctx, cancel, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	users := make([]string, 0, len(seqs))
	for u := range seqs {
		users = append(users, u)
	}
	slices.Sort(users)
	p := s.c.Pipeline()
	s.bumpGens(ctx, p, users, seqs, nil, time.Now())
	_, err = p.Exec(ctx)
	return s.end(err)
}

// UserState is what one request needs to know of a user from Redis.
type UserState struct {
	// Gen is the user's generation (0: no events since the key expired or ever); Seq the
	// newest store sequence of their events that any replica recorded.
	Gen, Seq int64
	// User and Session are the live recent actions of the user and of the anonymous session,
	// newest first.
	User, Session []rank.Action
	// Catalog is the catalog generation (see CatalogChanged).
	Catalog int64
	// Precomputed is the user's precomputed list, if asked for and present.
	Precomputed *Precomputed
}

// ReadUser reads, in one round trip, a user's generation, the recent actions of the user and of
// an anonymous session (either id may be empty), the catalog generation, and, when
// withPrecomputed, the user's precomputed list.
func (s *State) ReadUser(ctx context.Context, user, session string, withPrecomputed bool) (UserState, error) {
	var out UserState
	ctx, cancel, err := s.begin(ctx)
	if err != nil {
		return out, err
	}
	defer cancel()
	p := s.c.Pipeline()
	var gen *redis.SliceCmd
	var ul, sl *redis.StringSliceCmd
	var preGet *redis.StringCmd
	if user != "" {
		gen = p.HMGet(ctx, s.genKey(user), "g", "s")
		ul = p.LRange(ctx, s.userSessKey(user), 0, -1)
		if withPrecomputed {
			preGet = p.Get(ctx, s.preKey(user))
		}
	}
	if session != "" {
		sl = p.LRange(ctx, s.anonSessKey(session), 0, -1)
	}
	cat := p.Get(ctx, s.key("catalog"))
	if _, err := p.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return UserState{}, s.end(err)
	}
	s.end(nil)
	if gen != nil {
		vals := gen.Val()
		out.Gen, out.Seq = toInt(vals[0]), toInt(vals[1])
		out.User = s.liveActions(ul.Val())
	}
	if sl != nil {
		out.Session = s.liveActions(sl.Val())
	}
	out.Catalog, _ = strconv.ParseInt(cat.Val(), 10, 64)
	if preGet != nil && preGet.Err() == nil {
		var pc Precomputed
		if err := json.Unmarshal([]byte(preGet.Val()), &pc); err == nil {
			out.Precomputed = &pc
		}
	}
	return out, nil
}

func toInt(v any) int64 {
	s, ok := v.(string)
	if !ok {
		return 0
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// liveActions decodes a list, drops actions older than the session TTL and sorts the rest newest
// first (events may arrive out of time order).
func (s *State) liveActions(vals []string) []rank.Action {
	cut := time.Now().Add(-s.o.SessionTTL)
	out := make([]rank.Action, 0, len(vals))
	for _, v := range vals {
		if a, ok := decodeAction(v); ok && !a.Time.Before(cut) {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b rank.Action) int { return b.Time.Compare(a.Time) })
	if len(out) == 0 {
		return nil
	}
	return out
}

// CatalogChanged publishes an "items" change from origin naming id ("" for several items) and,
// when bump, bumps the catalog generation (precomputed lists older than it are not served).
func (s *State) CatalogChanged(ctx context.Context, origin, id string, bump bool) error {
	ctx, cancel, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	p := s.c.Pipeline()
	if bump {
		p.Incr(ctx, s.key("catalog"))
	}
	p.Publish(ctx, s.key("changes"), encodeChange(Change{Kind: ChangeItems, ID: id, Origin: origin}))
	_, err = p.Exec(ctx)
	return s.end(err)
}

// ActiveUsers returns up to max users with events since since, most recent first.
func (s *State) ActiveUsers(ctx context.Context, since time.Time, max int) ([]string, error) {
	ctx, cancel, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	users, err := s.c.ZRevRangeByScore(ctx, s.key("active"), &redis.ZRangeBy{Max: "+inf",
		Min: strconv.FormatInt(since.Unix(), 10), Count: int64(max)}).Result()
	if err := s.end(err); err != nil {
		return nil, fmt.Errorf("active users: %w", err)
	}
	return users, nil
}
