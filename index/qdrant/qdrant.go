// Package qdrant implements index.Index on a Qdrant server through its gRPC API
// (github.com/qdrant/go-client).
//
// # Layout
//
// Every vector space lives in its own collection, "<Collection>__<space>" (for example
// recd_items__cf, recd_items__content, recd_items__content_sparse), holding one named vector
// called after the space: a dense vector (distance Cosine, Dot or Euclid from index.Metric)
// or a sparse one (Qdrant scores sparse vectors by dot product; cosine spaces are normalised
// client side, and sparse spaces listed in Options.IDF get Qdrant's IDF modifier). The space
// config is kept in the collection's metadata so Spaces can report it back (collection
// metadata needs Qdrant 1.16 or later; the go-client used here is v1.17.1, which expects a
// 1.16-1.18 server).
//
// Why a collection per space rather than one collection with named vectors: a collection's
// vector config is fixed at creation, and the gRPC API of the go-client this package uses
// (v1.17) cannot add a named vector to an existing collection (Qdrant 1.18 added that over
// REST). recd creates spaces as it meets them (a new external embedding, LSA after TF-IDF),
// so one collection would need a copy-everything migration each time. With a collection per
// space, CreateSpace is one CreateCollection. The costs: the payload is stored once per space
// (Upsert writes it to the collection of every space the point is in), and fusion across
// spaces cannot run inside Qdrant (see Ranking stages).
//
// # Points
//
// Item ids are strings; Qdrant point ids are UUIDs or integers. PointID maps an id to the
// UUIDv5 of the id in a fixed namespace, so every replica derives the same point id without
// a lookup table, and the original id is kept in the payload ("id"). The payload is
// {"id", "categories", "available", "attributes": {...}}, with payload indexes on id
// (keyword), categories (keyword) and available (bool), created or added on Open.
//
// # Ranking stages
//
// Qdrant's Query API can run some of recd's ranking stages server side:
//
//   - recommend (positive and negative example ids): Index.Recommend runs it in Qdrant, so
//     "more like these items" needs no vector round trip. It is an extra of this backend;
//     package rank builds the same candidates from Vectors and Search on any index.
//   - MMR (nearest with mmr): recd runs MMR in package rank, after blending, session boost
//     and calibration, over candidates from several sources and spaces; Qdrant's MMR sees one
//     space's similarity only, so it is not used.
//   - fusion (RRF/DBSF over prefetches): recd blends candidate sources in package rank with
//     weights that depend on what it knows of the user and the item (the cold-start policy),
//     and the sources live in different collections here (and some are not vectors at all:
//     item-kNN tables, popularity), so Qdrant cannot fuse them.
//
// What runs server side on every request is candidate retrieval: filtered ANN (HNSW, the
// filter pushed down as Qdrant conditions on indexed payload), and score thresholds.
//
// # Filters
//
// Attribute conditions keep package cond's semantics on Qdrant's own (translateFilter):
// strings are exact keyword matches, numbers (stored as doubles) closed ranges, list
// attributes match when some element does, and a point without the attribute passes ne and
// nin through must_not. cond/condtest's table checks the translation against the protocol
// double, and through indextest against a real server when QDRANT_ADDR is set.
package qdrant

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"

	"github.com/recd/recd/index"
)

// Options configures the connection and the write path.
type Options struct {
	// Addr is the host:port of Qdrant's gRPC endpoint. Default "localhost:6334".
	Addr string
	// APIKey is sent with every request when set.
	APIKey string
	// UseTLS connects with TLS (system roots).
	UseTLS bool
	// Collection is the prefix of the per-space collections ("<Collection>__<space>").
	// Default "recd_items".
	Collection string
	// UpsertBatch is the number of points per upsert request. Default 256.
	UpsertBatch int
	// UpsertConcurrency bounds the upsert requests in flight for one Upsert call. Default 4.
	UpsertConcurrency int
	// Retries is how many times a request failing with Unavailable, ResourceExhausted,
	// Aborted or DeadlineExceeded is retried (so at most Retries+1 attempts). Default 3;
	// negative means none. A rate-limited request waits at least the server's retry-after.
	Retries int
	// RetryBackoff is the wait before the first retry, doubled for each further one (with
	// jitter). Default 100ms.
	RetryBackoff time.Duration
	// Timeout bounds each request attempt. Default 10s; negative means none.
	Timeout time.Duration
	// IDF lists sparse spaces created with Qdrant's IDF modifier: the server then weighs
	// query terms by inverse document frequency, which fits sparse vectors of raw term
	// counts (BM25-style). recd's content_sparse vectors from embed's TF-IDF already carry
	// IDF weights, so the default is none.
	IDF []string
	// KeywordAttributes and NumericAttributes name item attributes that get a payload index
	// (keyword or float) at attributes.<name>, for attributes that filters use often.
	KeywordAttributes []string
	NumericAttributes []string
	// Spaces are created on Open if missing (and checked for conflicts if present).
	Spaces []index.SpaceConfig
}

// DefaultOptions returns the defaults described on Options.
func DefaultOptions() Options {
	return Options{
		Addr:              "localhost:6334",
		Collection:        "recd_items",
		UpsertBatch:       256,
		UpsertConcurrency: 4,
		Retries:           3,
		RetryBackoff:      100 * time.Millisecond,
		Timeout:           10 * time.Second,
	}
}

func (o *Options) fill() error {
	d := DefaultOptions()
	if o.Addr == "" {
		o.Addr = d.Addr
	}
	if o.Collection == "" {
		o.Collection = d.Collection
	}
	if !index.ValidSpaceName(o.Collection) {
		return fmt.Errorf("collection %q: %w", o.Collection, index.ErrBadSpaceName)
	}
	if o.UpsertBatch <= 0 {
		o.UpsertBatch = d.UpsertBatch
	}
	if o.UpsertConcurrency <= 0 {
		o.UpsertConcurrency = d.UpsertConcurrency
	}
	if o.Retries == 0 {
		o.Retries = d.Retries
	} else if o.Retries < 0 {
		o.Retries = 0
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = d.RetryBackoff
	}
	if o.Timeout == 0 {
		o.Timeout = d.Timeout
	}
	return nil
}

// Index is an index.Index on Qdrant. It is safe for concurrent use, and several replicas may
// share one Qdrant: the space cache is refreshed when a space is missing locally, so a space
// another replica created is found on first use.
type Index struct {
	opts   Options
	client *qdrant.Client

	mu     sync.RWMutex
	spaces map[string]index.SpaceConfig // cache of the collections' configs
	idf    map[string]bool
}

var _ index.Index = (*Index)(nil)

// Open connects to Qdrant, checks it answers, and brings the collections to the current
// schema: missing payload indexes are created on existing space collections, and
// opts.Spaces are created. It fails if the server cannot be reached within the retries.
func Open(ctx context.Context, opts Options) (*Index, error) {
	if err := opts.fill(); err != nil {
		return nil, err
	}
	host, portStr, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("qdrant addr %q: %w", opts.Addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("qdrant addr %q: bad port: %w", opts.Addr, err)
	}
	client, err := qdrant.NewClient(&qdrant.Config{
		Host: host, Port: port, APIKey: opts.APIKey, UseTLS: opts.UseTLS,
		SkipCompatibilityCheck: true, // Open runs its own health check, with retries
		GrpcOptions:            []grpc.DialOption{grpc.WithConnectParams(reconnect)},
	})
	if err != nil {
		return nil, fmt.Errorf("qdrant connect: %w", err)
	}
	ix := &Index{opts: opts, client: client, spaces: map[string]index.SpaceConfig{}, idf: map[string]bool{}}
	for _, s := range opts.IDF {
		ix.idf[s] = true
	}
	if err := ix.start(ctx); err != nil {
		client.Close()
		return nil, err
	}
	return ix, nil
}

// reconnect is how the connection comes back after Qdrant was unreachable: gRPC's default
// backoff grows to two minutes, which would keep recd degraded long after Qdrant is back;
// this one retries within five seconds at most.
var reconnect = grpc.ConnectParams{
	Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 5 * time.Second},
	MinConnectTimeout: 5 * time.Second,
}

// Ping checks that Qdrant answers (its health check, with the configured retries), for
// readiness probes. Errors wrap recd.ErrUnavailable when it cannot be reached.
func (ix *Index) Ping(ctx context.Context) error {
	return ix.do(ctx, "health check", func(ctx context.Context) error {
		_, err := ix.client.HealthCheck(ctx)
		return err
	})
}

// Close closes the connection.
func (ix *Index) Close() error { return ix.client.Close() }

func (ix *Index) start(ctx context.Context) error {
	if err := ix.Ping(ctx); err != nil {
		return err
	}
	if _, err := ix.Spaces(ctx); err != nil {
		return err
	}
	ix.mu.RLock()
	names := make([]string, 0, len(ix.spaces))
	for name := range ix.spaces {
		names = append(names, name)
	}
	ix.mu.RUnlock()
	for _, name := range names {
		if err := ix.migrate(ctx, name); err != nil {
			return err
		}
	}
	for _, cfg := range ix.opts.Spaces {
		if err := ix.CreateSpace(ctx, cfg); err != nil {
			return fmt.Errorf("create space %s: %w", cfg.Name, err)
		}
	}
	return nil
}
