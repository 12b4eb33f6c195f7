package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// cmdExamples holds one example command line per subcommand, printed at the end of its --help.
var cmdExamples = map[string]string{
	"serve":       "recd serve --config recd.yaml --addr 0.0.0.0:8080",
	"demo":        "recd demo --data-dir ./demo-data",
	"import":      "recd import movielens --data-dir ./data examples/ml-latest-small",
	"generate":    "recd generate --preset ml20m --events 1000000 --seed 1 --out ./ml20m-1m",
	"ingest":      "recd ingest --server http://127.0.0.1:8080 --key $RECD_API_KEY --file items.jsonl.gz",
	"embed":       "recd embed --space text --base-url http://localhost:11434/v1 --model nomic-embed-text",
	"describe":    "recd describe --base-url http://localhost:11434/v1 --model llama3.1 --only-thin --dry-run",
	"train":       "recd train --data-dir ./data",
	"eval":        "recd eval --data examples/ml-latest-small --models als,ease,hybrid --k 10",
	"tune":        "recd tune --data examples/ml-latest-small --model als --trials 30 --out recd-tuned.yaml",
	"simulate":    "recd simulate --experiment ab --variants popular,hybrid --users 300 --seed 1",
	"hash-key":    "recd hash-key --new",
	"healthcheck": "recd healthcheck --url http://127.0.0.1:8080/readyz --timeout 3s",
	"version":     "recd version",
}

// newFlagSet returns the flag set of subcommand name. Its usage (printed by -h, --help,
// `recd help name` and on a flag error) is the synopsis, the flags and the example.
func newFlagSet(name string, stderr io.Writer, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("recd "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { printUsage(stderr, fs, synopsis, cmdExamples[name]) }
	return fs
}

// printUsage writes a subcommand's usage: a usage line, its flags and one example.
func printUsage(w io.Writer, fs *flag.FlagSet, synopsis, example string) {
	fmt.Fprintf(w, "Usage: recd %s\n\nFlags:\n", synopsis)
	any := false
	fs.VisitAll(func(*flag.Flag) { any = true })
	if any {
		fs.PrintDefaults()
	} else {
		fmt.Fprintln(w, "  (none)")
	}
	if example != "" {
		fmt.Fprintf(w, "\nExample:\n  %s\n", example)
	}
}

// isHelp reports whether a is one of the help flags.
func isHelp(a string) bool { return a == "-h" || a == "--help" || a == "-help" }

// isVersion reports whether a is one of the version flags.
func isVersion(a string) bool { return a == "--version" || a == "-version" }

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", stderr, "version")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, versionString(version, readBuildInfo()))
	return nil
}

func readBuildInfo() *debug.BuildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return bi
}

// versionString is "recd VERSION (MODULE, revision REV[, modified] TIME)": the version set at
// link time (-ldflags "-X main.version=v1.2.3") or else the module version, and the VCS
// revision Go stamps into binaries built from a checkout. Unknown parts say so.
func versionString(linked string, bi *debug.BuildInfo) string {
	ver, module, rev, modified, when := linked, "github.com/recd/recd", "unknown", false, ""
	if bi != nil {
		if bi.Main.Path != "" {
			module = bi.Main.Path
		}
		if ver == "" || ver == "dev" {
			if bi.Main.Version != "" {
				ver = bi.Main.Version // "(devel)" for a build from a checkout
			}
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			case "vcs.time":
				when = s.Value
			}
		}
	}
	if ver == "" {
		ver = "dev"
	}
	parts := []string{module, "revision " + rev}
	if modified {
		parts[1] += " (modified)"
	}
	if when != "" {
		parts = append(parts, when)
	}
	return fmt.Sprintf("recd %s (%s)", ver, strings.Join(parts, ", "))
}
