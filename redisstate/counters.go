package redisstate

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// trendEpoch is model.Trending's origin: scores are log(sum of w * exp((t - epoch) / tau)), so
// the shared counter ranks exactly as the in-process one.
var trendEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func trendTime(t time.Time) float64 { return t.Sub(trendEpoch).Seconds() }

// trendScript adds events to the trending set in log space (log-sum-exp, as model.Trending.Add)
// and keeps the best TrendingMaxItems. KEYS[1] the set; ARGV tau seconds, max items, then
// (item, weight, seconds since the epoch) triples.
var trendScript = redis.NewScript(`
local tau = tonumber(ARGV[1])
for i = 3, #ARGV, 3 do
  local x = math.log(tonumber(ARGV[i+1])) + tonumber(ARGV[i+2]) / tau
  local old = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if old then
    old = tonumber(old)
    local hi, lo = math.max(old, x), math.min(old, x)
    x = hi + math.log(1 + math.exp(lo - hi))
  end
  redis.call('ZADD', KEYS[1], x, ARGV[i])
end
local n = redis.call('ZCARD', KEYS[1])
local keep = tonumber(ARGV[2])
if n > keep then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - keep - 1) end
return n`)

// untrendScript takes contributions off the trending set in log space: an item left with
// less than a billionth of its score is removed. KEYS[1] the set; ARGV (item, log of the
// summed contributions) pairs.
var untrendScript = redis.NewScript(`
for i = 1, #ARGV, 2 do
  local old = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if old then
    old = tonumber(old)
    local d = tonumber(ARGV[i+1]) - old
    if d > -1e-9 then redis.call('ZREM', KEYS[1], ARGV[i])
    else redis.call('ZADD', KEYS[1], old + math.log(1 - math.exp(d)), ARGV[i]) end
  end
end
return 0`)

func (s *State) tau() float64 { return s.o.TrendingHalfLife.Seconds() / math.Ln2 }

// trendMasses sums, per item, what events added to the trending set (log space, as
// trendScript adds them), as (item, mass) arguments of untrendScript.
func (s *State) trendMasses(events []Event) []any {
	tau := s.tau()
	mass := map[string]float64{}
	var order []string
	for _, e := range events {
		if e.Weight <= 0 {
			continue
		}
		x := math.Log(e.Weight) + trendTime(e.Time)/tau
		if old, ok := mass[e.ItemID]; ok {
			hi, lo := math.Max(old, x), math.Min(old, x)
			x = hi + math.Log1p(math.Exp(lo-hi))
		} else {
			order = append(order, e.ItemID)
		}
		mass[e.ItemID] = x
	}
	out := make([]any, 0, 2*len(order))
	for _, id := range order {
		out = append(out, id, mass[id])
	}
	return out
}

func (s *State) addTrending(ctx context.Context, p redis.Pipeliner, triples []any) {
	args := append([]any{s.tau(), s.o.TrendingMaxItems}, triples...)
	trendScript.Eval(ctx, p, []string{s.key("trending")}, args...)
}

// Trending returns up to n items with the highest time-decayed score, best first, with scores
// normalised so the best is 1 (as model.Trending.Top), skipping items keep rejects (nil keeps
// all). It reads the set in pages until n items are kept, the set ends, or it has looked at
// TrendingScan items (a narrow filter may then get fewer than n).
func (s *State) Trending(ctx context.Context, n int, keep func(string) bool) ([]string, []float64, error) {
	ctx, cancel, err := s.begin(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer cancel()
	page := int64(max(4*n, 200))
	limit := int64(max(TrendingScan, page))
	var ids []string
	var logs []float64
	top := math.NaN()
	for start := int64(0); len(ids) < n && start < limit; start += page {
		zs, err := s.c.ZRevRangeWithScores(ctx, s.key("trending"), start, start+page-1).Result()
		if err != nil {
			return nil, nil, s.end(err)
		}
		for _, z := range zs {
			id, _ := z.Member.(string)
			if keep != nil && !keep(id) {
				continue
			}
			if math.IsNaN(top) {
				top = z.Score
			}
			ids, logs = append(ids, id), append(logs, z.Score)
			if len(ids) == n {
				break
			}
		}
		if int64(len(zs)) < page {
			break
		}
	}
	s.end(nil)
	scores := make([]float64, len(logs))
	for i, v := range logs {
		scores[i] = math.Exp(v - top)
	}
	return ids, scores, nil
}

// TrendingScan bounds the items Trending looks at per call.
const TrendingScan = 5000

// Impressions are the items of responses one replica sent, or, in Removed, decayed counts
// (as of when they were published) that no longer count: a deleted user's impressions.
type Impressions struct {
	Origin  string
	IDs     []string
	Removed map[string]float64
}

// PublishImpressions appends the items of sent responses to the shared impression log, from
// which every other replica feeds its exposure counter (ReadImpressions).
func (s *State) PublishImpressions(ctx context.Context, origin string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	ctx, cancel, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	err = s.c.XAdd(ctx, &redis.XAddArgs{Stream: s.key("impressions"), MaxLen: s.o.ImpressionsMaxLen, Approx: true,
		Values: []string{"o", origin, "ids", strings.Join(ids, "\x1f")}}).Err()
	return s.end(err)
}

// PublishRemovals appends to the impression log the decayed impression counts, per item, that
// every replica's exposure counter must take back (a deleted user's).
func (s *State) PublishRemovals(ctx context.Context, origin string, removed map[string]float64) error {
	if len(removed) == 0 {
		return nil
	}
	ctx, cancel, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	parts := make([]string, 0, 2*len(removed))
	for id, n := range removed {
		parts = append(parts, id, strconv.FormatFloat(n, 'g', -1, 64))
	}
	err = s.c.XAdd(ctx, &redis.XAddArgs{Stream: s.key("impressions"), MaxLen: s.o.ImpressionsMaxLen, Approx: true,
		Values: []string{"o", origin, "rm", strings.Join(parts, "\x1f")}}).Err()
	return s.end(err)
}

// decodeRemovals reads PublishRemovals' item, count pairs.
func decodeRemovals(v string) map[string]float64 {
	parts := strings.Split(v, "\x1f")
	out := make(map[string]float64, len(parts)/2)
	for i := 0; i+1 < len(parts); i += 2 {
		if n, err := strconv.ParseFloat(parts[i+1], 64); err == nil && n > 0 {
			out[parts[i]] = n
		}
	}
	return out
}

// ImpressionsTail returns the id of the newest impression entry ("0-0" for an empty log), where
// a reader that wants only new entries starts.
func (s *State) ImpressionsTail(ctx context.Context) (string, error) {
	ctx, cancel, err := s.begin(ctx)
	if err != nil {
		return "", err
	}
	defer cancel()
	xs, err := s.c.XRevRangeN(ctx, s.key("impressions"), "+", "-", 1).Result()
	if err := s.end(err); err != nil {
		return "", err
	}
	if len(xs) == 0 {
		return "0-0", nil
	}
	return xs[0].ID, nil
}

// ReadImpressions returns the impression entries after the entry id after (at most 1000),
// waiting up to wait for one when there are none, and the id to read after next time.
func (s *State) ReadImpressions(ctx context.Context, after string, wait time.Duration) ([]Impressions, string, error) {
	if err := s.down(); err != nil {
		return nil, after, err
	}
	ctx, cancel := context.WithTimeout(ctx, wait+s.o.Timeout)
	defer cancel()
	res, err := s.c.XRead(ctx, &redis.XReadArgs{Streams: []string{s.key("impressions"), after}, Count: 1000, Block: wait}).Result()
	if err == redis.Nil {
		return nil, after, s.end(nil)
	}
	if err != nil {
		return nil, after, s.end(err)
	}
	s.end(nil)
	var out []Impressions
	for _, st := range res {
		for _, m := range st.Messages {
			after = m.ID
			o, _ := m.Values["o"].(string)
			ids, _ := m.Values["ids"].(string)
			rm, _ := m.Values["rm"].(string)
			switch {
			case ids != "":
				out = append(out, Impressions{Origin: o, IDs: strings.Split(ids, "\x1f")})
			case rm != "":
				out = append(out, Impressions{Origin: o, Removed: decodeRemovals(rm)})
			}
		}
	}
	return out, after, nil
}
