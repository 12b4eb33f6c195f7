package readmetest

import (
	"regexp"
	"strconv"
	"strings"
)

// How each README command is treated. A command no rule names fails the test, so a new
// example is either run or skipped here with its reason, never ignored.
type verdict int

const (
	unclassified verdict = iota
	runCurl              // an HTTP request against the demo
	runLocal             // a recd command that works against the demo or on its own
	skipped
)

// rule matches commands by prefix; the first rule that matches decides.
type rule struct {
	prefix string
	verdict
	reason string // why a skipped command is not run
}

var rules = []rule{
	{prefix: "curl ", verdict: runCurl},
	{prefix: "./recd hash-key ", verdict: runLocal},
	{prefix: "./recd ingest --server ", verdict: runLocal},
	{prefix: "go run ./cmd/recd demo", verdict: skipped,
		reason: "starts the demo on port 8080 in ./data; this test runs that demo on a free port"},
	{prefix: "go test ", verdict: skipped, reason: "the test suite this test belongs to"},
	{prefix: "go build -o recd ./cmd/recd", verdict: skipped, reason: "this test builds the same binary itself"},
	{prefix: "./recd import ", verdict: skipped,
		reason: "fills ./data for a later serve; cmd/recd's import tests cover it"},
	{prefix: "./recd generate ", verdict: skipped,
		reason: "writes a million events for a later import; dataset/synth's and cmd/recd's generate tests cover it"},
	{prefix: "./recd train ", verdict: skipped, reason: "trains ./data for a later serve; cmd/recd's train tests cover it"},
	{prefix: "./recd serve ", verdict: skipped,
		reason: "a second server on port 8080 over ./data; the client and cmd/recd tests start serve"},
	{prefix: "export RECD_AUTH_KEYS=", verdict: skipped, reason: "placeholder hashes (<hex>) for a serve with auth"},
	{prefix: "./recd ingest --data-dir ", verdict: skipped,
		reason: "writes a data dir no server is using, from the reader's own items.jsonl.gz"},
	{prefix: "./recd tune ", verdict: skipped, reason: "a hyper-parameter search of a minute or more; TestTune covers it"},
	{prefix: "./recd eval ", verdict: skipped, reason: "trains six models on the bundled data for minutes; cmd/recd's eval tests cover it"},
	{prefix: "./recd simulate ", verdict: skipped,
		reason: "starts its own server trained on the bundled data; the sim tests and cmd/recd's TestSimulate tests cover it"},
	{prefix: "docker ", verdict: skipped, reason: "needs a Docker engine, which CI does not have"},
	{prefix: "./recd describe ", verdict: skipped,
		reason: "needs an OpenAI-compatible chat model; cmd/recd's describe tests run it against a test double of the protocol"},
}

// classify returns the rule for a command, or one with verdict unclassified.
func classify(cmd string) rule {
	for _, r := range rules {
		if strings.HasPrefix(cmd, r.prefix) {
			return r
		}
	}
	return rule{}
}

// answersRe finds a status the README promises in an example's comment: "# answers 404".
var answersRe = regexp.MustCompile(`\banswers ([1-5][0-9][0-9])\b`)

// wantStatus is the status an example's comment promises, or 0 for any 2xx.
func wantStatus(comment string) int {
	m := answersRe.FindStringSubmatch(comment)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// localDemo rewrites the README's server address to the demo's and ./recd to the binary.
func localDemo(cmd, addr, bin string) string {
	cmd = strings.ReplaceAll(cmd, "localhost:8080", addr)
	cmd = strings.ReplaceAll(cmd, "127.0.0.1:8080", addr)
	if rest, ok := strings.CutPrefix(cmd, "./recd "); ok {
		cmd = shellQuote(bin) + " " + rest
	}
	return cmd
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
