package readmetest

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseReadme_ShellAndJSONBlocks(t *testing.T) {
	md := "Intro\n\n```sh\ncurl 'localhost:8080/a#b'   # a comment\n" +
		"curl -X POST localhost:8080/v1/events \\\n     -d '[1]'\n# only a comment\n\n```\n\n" +
		"A sample:\n\n```json\n{\"a\":[1]}\n```\n```yaml\nx: 1\n```\n"
	doc, err := parseReadme(strings.NewReader(md))
	if err != nil {
		t.Fatal(err)
	}
	want := []example{
		{src: "README.md", line: 4, cmd: "curl 'localhost:8080/a#b'", comment: "a comment"},
		{src: "README.md", line: 5, cmd: "curl -X POST localhost:8080/v1/events       -d '[1]'"},
	}
	if len(doc.examples) != len(want) {
		t.Fatalf("got %d examples %+v, want %d", len(doc.examples), doc.examples, len(want))
	}
	for i := range want {
		if doc.examples[i] != want[i] {
			t.Errorf("example %d: got %+v, want %+v", i, doc.examples[i], want[i])
		}
	}
	if len(doc.jsons) != 1 || doc.jsons[0].caption != "A sample:" {
		t.Fatalf("got json blocks %+v, want one captioned %q", doc.jsons, "A sample:")
	}
	if _, err := parseReadme(strings.NewReader("```sh\ncurl x\n")); err == nil {
		t.Error("an unclosed block parsed without error")
	}
}

func TestWantStatus(t *testing.T) {
	for comment, want := range map[string]int{"": 0, "answers 404": 404, "items like Toy Story (1995)": 0, "answers 2000": 0} {
		if got := wantStatus(comment); got != want {
			t.Errorf("wantStatus(%q) = %d, want %d", comment, got, want)
		}
	}
}

func TestMatchShape(t *testing.T) {
	sample := `{"items":[{"id":"1","score":1.5,"reasons":[{"type":"x","items":["2"]}]}],"strategy":"s"}`
	tests := []struct {
		answer string
		ok     bool
	}{
		{`{"items":[{"id":"9","score":0.1,"reasons":[{"type":"popular"},{"type":"y","items":["3"]}]}],"strategy":"t","extra":1}`, true},
		{`{"items":[{"id":"9","score":0.1,"reasons":[{"type":"popular"}]}],"strategy":"t"}`, false},       // no reason has items
		{`{"items":[{"id":9,"score":0.1,"reasons":[{"type":"y","items":["3"]}]}],"strategy":"t"}`, false}, // id is a number
		{`{"items":[],"strategy":"t"}`, false},
		{`{"items":[{"id":"9","score":0.1,"reasons":[{"type":"y","items":["3"]}]}]}`, false}, // no strategy
	}
	var want any
	if err := json.Unmarshal([]byte(sample), &want); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		var got any
		if err := json.Unmarshal([]byte(tt.answer), &got); err != nil {
			t.Fatal(err)
		}
		if err := matchShape("answer", want, got, nil); (err == nil) != tt.ok {
			t.Errorf("matchShape(%s) = %v, want ok=%v", tt.answer, err, tt.ok)
		}
	}
	var noStrategy any
	_ = json.Unmarshal([]byte(`{"items":[{"id":"9","score":0.1,"reasons":[{"type":"y","items":["3"]}]}]}`), &noStrategy)
	if err := matchShape("answer", want, noStrategy, map[string]bool{"answer.strategy": true}); err != nil {
		t.Errorf("an optional key left out: %v", err)
	}
}
