package server_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/recd/recd/server"
)

// TestEventDecoder_AgreesWithDecodeEvent: line after line, good and bad mixed, the reusing
// decoders give what DecodeEvent and DecodeItem give for each line alone, errors included.
func TestEventDecoder_AgreesWithDecodeEvent(t *testing.T) {
	events := []string{
		`{"user_id":"u1","item_id":"a","type":"view","timestamp":"2020-01-01T00:00:00Z"}`,
		`{"user_id":"u1","item_id":"b","type":"rating","value":4.5,"session_id":"s"}`,
		`not json`,
		`{"user_id":"u2","item_id":"c","type":"click","bogus":1}`,
		`{"user_id":"u2","item_id":"c","type":"click"}{"user_id":"u3"}`,
		`{"user_id":"u2","item_id":"c","type":"click"} x`,
		`{"user_id":"u3","item_id":"d","type":"like","timestamp":"yesterday"}`,
		`{"user_id":"u3","item_id":"d","type":"like","recommendation_id":"r","position":2}`,
		`{"user_id":"u3","item_id":"d"`,
		`{"user_id":"u4","item_id":"e","type":"purchase","value":1e3}`,
	}
	var ed server.EventDecoder
	for i, line := range events {
		got, gotErr := ed.Decode([]byte(line))
		want, wantErr := server.DecodeEvent([]byte(line))
		if !reflect.DeepEqual(got, want) || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Errorf("line %d %s:\n got %+v, %v\nwant %+v, %v", i+1, line, got, gotErr, want, wantErr)
		}
	}
	items := []string{
		`{"id":"a","title":"A","categories":["x"],"attributes":{"year":1990}}`,
		`{"id":"b","bogus":true}`,
		`{"id":"c","available":false,"vectors":{"v":[1,2]}}`,
		`[1]`,
		`{"id":"d","tags":["t"]}`,
	}
	var id server.ItemDecoder
	for i, line := range items {
		got, gotErr := id.Decode([]byte(line))
		want, wantErr := server.DecodeItem([]byte(line))
		if !reflect.DeepEqual(got, want) || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Errorf("item line %d %s:\n got %+v, %v\nwant %+v, %v", i+1, line, got, gotErr, want, wantErr)
		}
	}
}

const benchEvent = `{"user_id":"u123","item_id":"i4567","type":"rating","value":4.5,"timestamp":"2018-10-06T20:29:46Z","session_id":"u123-s4"}`

// BenchmarkDecodeEvent compares a fresh decoder per line (DecodeEvent) with the reusing one.
func BenchmarkDecodeEvent(b *testing.B) {
	line := []byte(benchEvent)
	b.Run("per-line", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := server.DecodeEvent(line); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reused", func(b *testing.B) {
		var d server.EventDecoder
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.Decode(line); err != nil {
				b.Fatal(err)
			}
		}
	})
}
