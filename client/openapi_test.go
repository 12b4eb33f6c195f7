package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd"
)

// docExceptions are the places where the client's types and the OpenAPI document knowingly
// differ, keyed by "Type.path" as compareSchema names them, with the reason.
var docExceptions = map[string]string{
	// The document reuses the read schemas for request bodies with the server-set fields
	// marked readOnly; the client does not send them.
	"itemIn.created_at":   "readOnly: set by the server",
	"itemIn.updated_at":   "readOnly: set by the server",
	"[]itemIn.created_at": "readOnly: set by the server",
	"[]itemIn.updated_at": "readOnly: set by the server",
	"userIn.created_at":   "readOnly: set by the server",
	"userIn.updated_at":   "readOnly: set by the server",
	"[]eventIn.seq":       "readOnly: assigned by the store",
}

// schemaOf resolves a $ref against the document's components.
func schemaOf(doc map[string]any, s any) map[string]any {
	m, _ := s.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		return doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
	}
	return m
}

var jsonKinds = map[reflect.Kind]string{reflect.String: "string", reflect.Bool: "boolean",
	reflect.Int: "integer", reflect.Int64: "integer", reflect.Float64: "number", reflect.Float32: "number"}

// compareSchema reports every difference between the JSON of typ and schema: fields one has
// and the other lacks, and scalar types that differ. at names the place for docExceptions.
func compareSchema(doc map[string]any, at string, typ reflect.Type, schema map[string]any) []string {
	if _, ok := docExceptions[at]; ok && docExceptions[at] != "" {
		return nil
	}
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	switch {
	case schema == nil:
		return []string{at + ": no schema in the document"}
	case typ == reflect.TypeFor[time.Time](), typ.Kind() == reflect.Map, typ.Kind() == reflect.Interface:
		return nil
	case typ.Kind() == reflect.Slice:
		return compareSchema(doc, at, typ.Elem(), schemaOf(doc, schema["items"]))
	case typ.Kind() != reflect.Struct:
		if want := jsonKinds[typ.Kind()]; schema["type"] != want {
			return []string{fmt.Sprintf("%s: client %s, document %v", at, want, schema["type"])}
		}
		return nil
	}
	props, _ := schema["properties"].(map[string]any)
	var diffs []string
	seen := map[string]bool{}
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		seen[name] = true
		p, ok := props[name]
		switch _, except := docExceptions[at+"."+name]; {
		case !ok && !except:
			diffs = append(diffs, at+"."+name+": in the client, not in the document")
		case ok:
			diffs = append(diffs, compareSchema(doc, at+"."+name, f.Type, schemaOf(doc, p))...)
		}
	}
	for name := range props {
		if _, except := docExceptions[at+"."+name]; !seen[name] && !except {
			diffs = append(diffs, at+"."+name+": in the document, not in the client")
		}
	}
	return diffs
}

// typeName names a type for docExceptions: Item, []itemIn.
func typeName(t reflect.Type) string {
	if t.Kind() == reflect.Slice {
		return "[]" + t.Elem().Name()
	}
	return t.Name()
}

func fetchDoc(t *testing.T, base string) map[string]any {
	t.Helper()
	resp, err := http.Get(base + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestLive_EndpointsMatchDocument checks the client against the server's /openapi.json:
// every route the client calls is documented, its body and answer types have the fields of
// the document's schemas (both ways, less docExceptions), and every documented API route
// has a client method.
func TestLive_EndpointsMatchDocument(t *testing.T) {
	doc := fetchDoc(t, liveServer(t).base)
	paths := doc["paths"].(map[string]any)
	for _, ep := range endpoints {
		op, _ := paths[ep.path].(map[string]any)[strings.ToLower(ep.method)].(map[string]any)
		if op == nil {
			t.Errorf("%s %s: not in the document", ep.method, ep.path)
			continue
		}
		responses := op["responses"].(map[string]any)
		ok, _ := responses["200"].(map[string]any)
		if ok == nil {
			ok, _ = responses["204"].(map[string]any)
		}
		content, _ := ok["content"].(map[string]any)
		switch {
		case ep.resp == nil && content != nil:
			t.Errorf("%s %s: the document answers a body the client drops", ep.method, ep.path)
		case ep.resp != nil:
			s, _ := content["application/json"].(map[string]any)
			for _, d := range compareSchema(doc, typeName(ep.resp), ep.resp, schemaOf(doc, s["schema"])) {
				t.Errorf("%s %s answer: %s", ep.method, ep.path, d)
			}
		}
		body, _ := op["requestBody"].(map[string]any)
		switch {
		case (ep.req == nil) != (body == nil):
			t.Errorf("%s %s: client body %v, document body %v", ep.method, ep.path, ep.req, body != nil)
		case ep.req != nil:
			s := body["content"].(map[string]any)["application/json"].(map[string]any)
			for _, d := range compareSchema(doc, typeName(ep.req), ep.req, schemaOf(doc, s["schema"])) {
				t.Errorf("%s %s body: %s", ep.method, ep.path, d)
			}
		}
	}
	// The other way: every documented route but the page and the operator's text routes.
	skip := []string{"/", "/assets/{path}", "/metrics", "/openapi.json"}
	for path, item := range paths {
		for method := range item.(map[string]any) {
			m := strings.ToUpper(method)
			if m == http.MethodHead || slices.Contains(skip, path) {
				continue
			}
			if !slices.ContainsFunc(endpoints, func(ep endpoint) bool { return ep.method == m && ep.path == path }) {
				t.Errorf("%s %s: documented, but no client method calls it", m, path)
			}
		}
	}
}

// matches reports whether an escaped request path fits a path template with {params}.
func matches(template, path string) bool {
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if !strings.HasPrefix(ts[i], "{") && ts[i] != ps[i] {
			return false
		}
	}
	return true
}

// TestClient_MethodsCallTheirEndpoints calls every method against a recording server and
// checks it sends the method and path of its endpoint, so that the document check above
// covers what the methods really call; every endpoint must be called by some method.
func TestClient_MethodsCallTheirEndpoints(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.EscapedPath())
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c, ctx := newTest(t, srv.URL), context.Background()
	drain := func(seq func(func(recd.Item, error) bool)) error {
		for _, err := range seq {
			return err
		}
		return nil
	}
	calls := []struct {
		ep   endpoint
		call func() error
	}{
		{epHealth, func() error { _, err := c.Health(ctx); return err }},
		{epReady, func() error { _, err := c.Ready(ctx); return err }},
		{epPutItem, func() error { _, err := c.PutItem(ctx, recd.Item{ID: "a"}); return err }},
		{epGetItem, func() error { _, err := c.GetItem(ctx, "a"); return err }},
		{epDeleteItem, func() error { return c.DeleteItem(ctx, "a") }},
		{epListItems, func() error { return drain(c.ListItems(ctx, 5)) }},
		{epPutItems, func() error { _, err := c.PutItems(ctx, []recd.Item{{ID: "a"}}); return err }},
		{epPutItems, func() error { _, err := c.PutItemsStream(ctx, slices.Values([]recd.Item{{ID: "a"}})); return err }},
		{epSimilar, func() error { _, err := c.Similar(ctx, "a", 3, "cf"); return err }},
		{epPutUser, func() error { _, err := c.PutUser(ctx, recd.User{ID: "u"}); return err }},
		{epGetUser, func() error { _, err := c.GetUser(ctx, "u"); return err }},
		{epDeleteUser, func() error { return c.DeleteUser(ctx, "u") }},
		{epUserEvents, func() error {
			for _, err := range c.UserEvents(ctx, "u", 5) {
				return err
			}
			return nil
		}},
		{epRecommend, func() error { _, err := c.Recommend(ctx, "u", 3); return err }},
		{epRecommendFor, func() error { _, err := c.RecommendFor(ctx, RecommendRequest{UserID: "u"}); return err }},
		{epQuery, func() error { _, err := c.Query(ctx, "x"); return err }},
		{epSpaces, func() error { _, err := c.Spaces(ctx); return err }},
		{epAddEvents, func() error { _, err := c.AddEvents(ctx, nil); return err }},
		{epPopular, func() error { _, err := c.Popular(ctx, 3); return err }},
		{epTrending, func() error { _, err := c.Trending(ctx, 3); return err }},
		{epTrain, func() error { _, err := c.Train(ctx, true); return err }},
		{epModels, func() error { _, err := c.Models(ctx); return err }},
		{epPutExperiment, func() error { _, err := c.PutExperiment(ctx, Experiment{ID: "e"}); return err }},
		{epGetExperiment, func() error { _, err := c.GetExperiment(ctx, "e"); return err }},
		{epListExperiments, func() error { _, err := c.ListExperiments(ctx); return err }},
		{epDeleteExperiment, func() error { return c.DeleteExperiment(ctx, "e") }},
		{epExperimentReport, func() error { _, err := c.ExperimentReport(ctx, "e"); return err }},
	}
	called := map[string]bool{}
	for _, k := range calls {
		got = nil
		if err := k.call(); err != nil {
			t.Fatalf("%s %s: %v", k.ep.method, k.ep.path, err)
		}
		if len(got) != 1 || !matches(k.ep.method+" "+k.ep.path, got[0]) {
			t.Errorf("want one %s %s, the client sent %v", k.ep.method, k.ep.path, got)
		}
		called[k.ep.method+" "+k.ep.path] = true
	}
	for _, ep := range endpoints {
		if !called[ep.method+" "+ep.path] {
			t.Errorf("%s %s: no method of the table calls it", ep.method, ep.path)
		}
	}
}
