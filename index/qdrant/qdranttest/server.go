// Package qdranttest is a protocol test double of Qdrant, not Qdrant. It is an in-process
// gRPC server built on the go-client's generated service interfaces that answers the calls
// index/qdrant makes (collections with metadata, payload indexes, points upsert/get/delete/
// count, payload overwrite, batch updates, nearest and recommend queries) from an embedded
// exact index (index.Flat), so the conformance suite can run where no Qdrant can.
//
// It follows Qdrant's documented semantics: upserts replace whole points, Euclid scores are
// distances (lower first) and score_threshold is then a maximum, sparse vectors are scored
// by dot product over shared indices, the IDF modifier weighs query terms by
// ln((N-n+0.5)/(n+0.5)+1), recommend with average_vector searches avg(pos)+avg(pos)-avg(neg)
// and leaves the examples out, filters combine must/should/must_not/min_should, match works
// element-wise on arrays and an integer match does not match doubles. It rejects what the
// real server rejects, with its gRPC codes: a missing collection or point with NotFound, a
// collection created twice with AlreadyExists, unknown vector names, wrong dimensions,
// dense/sparse mix-ups, malformed sparse vectors and malformed filters with
// InvalidArgument. It also rejects NaN and infinite vector values with InvalidArgument
// (its Flat store cannot hold them; the real server's answer is not verified). What it
// does not implement (MMR, fusion, prefetch, other recommend strategies, geo/text/datetime
// filters, unnamed vectors, snapshots, cluster calls) answers Unimplemented rather than
// pretending. All state is in memory; a Server is safe for concurrent use.
package qdranttest

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Server is the double's state. Its methods are safe for concurrent use.
type Server struct {
	qdrant.UnimplementedCollectionsServer
	points qdrantPoints
	health qdrantHealth

	mu     sync.Mutex
	cols   map[string]*collection
	faults map[string][]fault // method name -> errors to return next, in order
	calls  map[string]int

	gmu  sync.Mutex
	grpc *grpc.Server // nil while stopped
	addr string
}

type qdrantPoints struct {
	qdrant.UnimplementedPointsServer
	s *Server
}

type qdrantHealth struct {
	qdrant.UnimplementedQdrantServer
}

// HealthCheck answers like Qdrant's health check, naming itself as the double.
func (qdrantHealth) HealthCheck(context.Context, *qdrant.HealthCheckRequest) (*qdrant.HealthCheckReply, error) {
	return &qdrant.HealthCheckReply{Title: "qdranttest protocol double", Version: "1.17.0"}, nil
}

// Start starts a double on a loopback port, stops it when t ends, and returns its address.
func Start(t testing.TB) string {
	_, addr := StartServer(t)
	return addr
}

// StartServer is Start that also returns the Server, for fault injection, call counts and
// outages (Stop, Resume).
func StartServer(t testing.TB) (*Server, string) {
	t.Helper()
	s := newServer()
	if err := s.serve("127.0.0.1:0"); err != nil {
		t.Fatalf("qdranttest: %v", err)
	}
	t.Cleanup(s.Stop)
	return s, s.addr
}

// serve listens on addr and serves the double's services until Stop.
func (s *Server) serve(addr string) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	g := grpc.NewServer(grpc.UnaryInterceptor(s.intercept))
	qdrant.RegisterCollectionsServer(g, s)
	qdrant.RegisterPointsServer(g, &s.points)
	qdrant.RegisterQdrantServer(g, &s.health)
	s.gmu.Lock()
	s.grpc, s.addr = g, lis.Addr().String()
	s.gmu.Unlock()
	go g.Serve(lis) //nolint:errcheck // Serve returns when Stop is called
	return nil
}

// Stop stops serving, closing connections, as if the server went down; the data is kept.
func (s *Server) Stop() {
	s.gmu.Lock()
	g := s.grpc
	s.grpc = nil
	s.gmu.Unlock()
	if g != nil {
		g.Stop()
	}
}

// Resume serves again on the same address with the same data after Stop, as if the server
// came back.
func (s *Server) Resume() error {
	s.gmu.Lock()
	running, addr := s.grpc != nil, s.addr
	s.gmu.Unlock()
	if running {
		return nil
	}
	return s.serve(addr)
}

// newServer returns an empty double that is not serving yet.
func newServer() *Server {
	s := &Server{cols: map[string]*collection{}, faults: map[string][]fault{}, calls: map[string]int{}}
	s.points.s = s
	return s
}

// FailNext makes the next len(codes) calls of method (the RPC name, as "Upsert" or "Query")
// fail with those codes, in order, before the call is applied.
func (s *Server) FailNext(method string, cs ...codes.Code) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cs {
		s.faults[method] = append(s.faults[method], fault{code: c})
	}
}

// RateLimitNext makes the next call of method fail like Qdrant's rate limiter:
// ResourceExhausted with a "retry-after" trailer of the given seconds.
func (s *Server) RateLimitNext(method string, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], fault{code: codes.ResourceExhausted, retryAfter: &retryAfter})
}

type fault struct {
	code       codes.Code
	retryAfter *int // seconds, sent as the retry-after trailer
}

// Calls returns how many calls of method reached the double (failed ones included).
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

func (s *Server) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	method := info.FullMethod[strings.LastIndex(info.FullMethod, "/")+1:]
	s.mu.Lock()
	s.calls[method]++
	var f fault
	if q := s.faults[method]; len(q) > 0 {
		f, s.faults[method] = q[0], q[1:]
	}
	s.mu.Unlock()
	if f.code != codes.OK {
		if f.retryAfter != nil {
			_ = grpc.SetTrailer(ctx, metadata.Pairs("retry-after", strconv.Itoa(*f.retryAfter)))
		}
		return nil, status.Errorf(f.code, "qdranttest: injected %v", f.code)
	}
	return h(ctx, req)
}

func notFound(name string) error {
	return status.Errorf(codes.NotFound, "Not found: Collection `%s` doesn't exist!", name)
}

func badInput(format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, "Wrong input: "+format, args...)
}

func unimplemented(what string) error {
	return status.Errorf(codes.Unimplemented, "qdranttest: %s is not implemented by the test double", what)
}

// col returns a collection; the caller holds s.mu.
func (s *Server) col(name string) (*collection, error) {
	c, ok := s.cols[name]
	if !ok {
		return nil, notFound(name)
	}
	return c, nil
}

// Create creates a collection with named dense and sparse vectors.
func (s *Server) Create(_ context.Context, req *qdrant.CreateCollection) (*qdrant.CollectionOperationResponse, error) {
	name := req.GetCollectionName()
	if name == "" || len(name) > 255 || strings.ContainsAny(name, "/\\:*?\"<>|\x00") {
		return nil, badInput("Collection name %q is invalid", name)
	}
	c, err := newCollection(req)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.cols[name]; ok {
		return nil, status.Errorf(codes.AlreadyExists, "Wrong input: Collection `%s` already exists!", name)
	}
	s.cols[name] = c
	return &qdrant.CollectionOperationResponse{Result: true}, nil
}

// Get returns a collection's info: config, metadata, payload schema and point count.
func (s *Server) Get(_ context.Context, req *qdrant.GetCollectionInfoRequest) (*qdrant.GetCollectionInfoResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.col(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	return &qdrant.GetCollectionInfoResponse{Result: c.info()}, nil
}

// List lists the collections.
func (s *Server) List(context.Context, *qdrant.ListCollectionsRequest) (*qdrant.ListCollectionsResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &qdrant.ListCollectionsResponse{}
	for name := range s.cols {
		out.Collections = append(out.Collections, &qdrant.CollectionDescription{Name: name})
	}
	return out, nil
}

// Delete drops a collection; the result says whether it existed.
func (s *Server) Delete(_ context.Context, req *qdrant.DeleteCollection) (*qdrant.CollectionOperationResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.cols[req.GetCollectionName()]
	delete(s.cols, req.GetCollectionName())
	return &qdrant.CollectionOperationResponse{Result: ok}, nil
}

// CollectionExists reports whether a collection exists.
func (s *Server) CollectionExists(_ context.Context, req *qdrant.CollectionExistsRequest) (*qdrant.CollectionExistsResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.cols[req.GetCollectionName()]
	return &qdrant.CollectionExistsResponse{Result: &qdrant.CollectionExists{Exists: ok}}, nil
}

// Collections returns the names of the collections, for tests.
func (s *Server) Collections() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for name := range s.cols {
		out = append(out, name)
	}
	return out
}

// CollectionInfo returns a collection's info, for tests.
func (s *Server) CollectionInfo(name string) (*qdrant.CollectionInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.col(name)
	if err != nil {
		return nil, err
	}
	return c.info(), nil
}

func notFoundPoint(id string) error {
	return status.Errorf(codes.NotFound, "Not found: No point with id %s found", id)
}

// Update applies the parts of a collection update the double supports: metadata, merged
// into the existing metadata as Qdrant does.
func (s *Server) Update(_ context.Context, req *qdrant.UpdateCollection) (*qdrant.CollectionOperationResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.col(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if req.GetVectorsConfig() != nil || req.GetSparseVectorsConfig() != nil || req.GetParams() != nil ||
		req.GetHnswConfig() != nil || req.GetOptimizersConfig() != nil || req.GetQuantizationConfig() != nil || req.GetStrictModeConfig() != nil {
		return nil, unimplemented("collection updates other than metadata")
	}
	md := make(map[string]*qdrant.Value, len(c.metadata)+len(req.GetMetadata()))
	for k, v := range c.metadata {
		md[k] = v
	}
	for k, v := range req.GetMetadata() {
		md[k] = v
	}
	c.metadata = md
	return &qdrant.CollectionOperationResponse{Result: true}, nil
}
