package server_test

import (
	"strings"
	"testing"

	"github.com/recd/recd/service"
)

func TestAPI_PostItemsNDJSON(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	tests := []struct {
		name, body string
		status     int
		want       string // in the answer
	}{
		{"empty body", "", 400, "the body is empty"},
		{"blank lines only", "\n  \n\t\n", 400, "the body is empty"},
		{"one item", "{\"id\":\"nd-a\"}\n", 200, `"stored":1`},
		{"blank lines around an item", "\n{\"id\":\"nd-b\"}\n\n", 200, `"stored":1`},
		{"every line refused", "{bad\n{\"id\":\"nd-c\",\"x\":1}\n", 422, `"stored":0`},
		{"good and bad lines", "{\"id\":\"nd-d\"}\n{bad\n", 200, `"line":2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, h, "POST", "/v1/items", "application/x-ndjson", tt.body)
			if r.Status != tt.status || !strings.Contains(r.Raw, tt.want) {
				t.Errorf("= %d %s, want %d with %s", r.Status, r.Raw, tt.status, tt.want)
			}
		})
	}
}
