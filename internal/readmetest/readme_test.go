package readmetest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func readme(t *testing.T) readmeDoc {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := parseReadme(f)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestReadme_EveryExampleIsRunOrSkipped needs no server: each shell example of README.md is
// run by TestReadme_ExamplesAgainstDemo or skipped by a rule that says why.
func TestReadme_EveryExampleIsRunOrSkipped(t *testing.T) {
	doc := readme(t)
	if len(doc.examples) == 0 {
		t.Fatal("no shell example found in README.md")
	}
	for _, ex := range doc.examples {
		if classify(ex.cmd).verdict == unclassified {
			t.Errorf("%s:%d: %q is neither run nor skipped: add a rule to rules_test.go", ex.src, ex.line, ex.cmd)
		}
	}
	for _, r := range shapeRules {
		if _, err := doc.sampleFor(r); err != nil {
			t.Error(err)
		}
	}
}

// TestReadme_ExamplesAgainstDemo runs README.md's examples in order against a fresh `recd
// demo`, from the repository root, then the examples the demo prints when it starts.
func TestReadme_ExamplesAgainstDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds recd and starts a demo")
	}
	doc := readme(t)
	d := startDemo(t)
	for _, ex := range doc.examples {
		r := classify(ex.cmd)
		switch r.verdict {
		case skipped:
			t.Logf("skipped %s:%d %s: %s", ex.src, ex.line, ex.cmd, r.reason)
		case runCurl:
			runCurlExample(t, doc, d, ex)
			t.Logf("ran %s:%d %s", ex.src, ex.line, ex.cmd)
		case runLocal:
			runLocalExample(t, d, ex)
			t.Logf("ran %s:%d %s", ex.src, ex.line, ex.cmd)
		}
	}
	banner := shellCommands("recd demo output", 1, strings.Split(d.out.String(), "\n"))
	n := 0
	for _, ex := range banner {
		if strings.HasPrefix(ex.cmd, "curl ") {
			ex.comment = "" // the banner's addresses are the demo's own
			runCurlExample(t, doc, d, ex)
			n++
		}
	}
	if n == 0 {
		t.Errorf("recd demo printed no curl example:\n%s", d.out.String())
	}
}

// runCurlExample runs one curl command with its status written to stdout and its body to a
// file, and checks the status and, where the README shows one, the answer's shape.
func runCurlExample(t *testing.T, doc readmeDoc, d *demo, ex example) {
	t.Helper()
	body := filepath.Join(t.TempDir(), "body")
	rest := strings.TrimPrefix(localDemo(ex.cmd, d.addr, d.bin), "curl ")
	out, err := runShell("curl -sS -o " + shellQuote(body) + " -w '%{http_code}' " + rest)
	if err != nil {
		t.Errorf("%s:%d: %s: %v\n%s", ex.src, ex.line, ex.cmd, err, out)
		return
	}
	status, _ := strconv.Atoi(strings.TrimSpace(out))
	answer, _ := os.ReadFile(body)
	if want := wantStatus(ex.comment); (want == 0 && status/100 != 2) || (want != 0 && status != want) {
		t.Errorf("%s:%d: %s: status %d (want %s)\n%s", ex.src, ex.line, ex.cmd, status, statusText(want), answer)
		return
	}
	if !strings.Contains(ex.cmd, "/v1/") || len(bytes.TrimSpace(answer)) == 0 {
		return
	}
	var got any
	if err := json.Unmarshal(answer, &got); err != nil {
		t.Errorf("%s:%d: %s: answer is not JSON: %v\n%s", ex.src, ex.line, ex.cmd, err, answer)
		return
	}
	for _, sr := range shapeRules {
		if !sr.applies(ex, status) {
			continue
		}
		want, err := doc.sampleFor(sr)
		if err == nil {
			err = matchShape("answer", want, got, sr.optional)
		}
		if err != nil {
			t.Errorf("%s:%d: %s: not the shape the README shows: %v\n%s", ex.src, ex.line, ex.cmd, err, answer)
		}
	}
}

func statusText(want int) string {
	if want == 0 {
		return "2xx"
	}
	return strconv.Itoa(want)
}

// runLocalExample runs a recd command and wants exit status 0.
func runLocalExample(t *testing.T, d *demo, ex example) {
	t.Helper()
	if out, err := runShell(localDemo(ex.cmd, d.addr, d.bin)); err != nil {
		t.Errorf("%s:%d: %s: %v\n%s", ex.src, ex.line, ex.cmd, err, out)
	}
}

// runShell runs a command line with bash from the repository root, as a reader would.
func runShell(line string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", line)
	cmd.Dir = repoRoot
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
