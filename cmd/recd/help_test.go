package main

import (
	"bytes"
	"context"
	"runtime/debug"
	"strings"
	"testing"
)

// TestRun_HelpEverySubcommand runs every subcommand's help in each of its three spellings:
// each exits 0 and prints a usage line naming the command, its flags and an example.
func TestRun_HelpEverySubcommand(t *testing.T) {
	for name := range commands() {
		for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {"help", name}} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				var out, errb bytes.Buffer
				if code := run(context.Background(), args, &out, &errb); code != 0 {
					t.Fatalf("exit %d, want 0; stderr:\n%s", code, errb.String())
				}
				got := out.String() + errb.String()
				for _, want := range []string{"Usage: recd " + name, "Flags:", "Example:\n  recd " + name} {
					if !strings.Contains(got, want) {
						t.Errorf("help lacks %q:\n%s", want, got)
					}
				}
			})
		}
	}
}

func TestRun_HelpListsFlags(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"ingest", "--help"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, flag := range []string{"-file", "-server", "-key", "-batch"} {
		if !strings.Contains(errb.String(), flag) {
			t.Errorf("ingest --help lacks %s:\n%s", flag, errb.String())
		}
	}
}

func TestRun_UnknownCommandAndBareRun(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"nope"}, &out, &errb); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	if code := run(context.Background(), nil, &out, &errb); code != 2 {
		t.Errorf("no command: exit %d, want 2", code)
	}
	if code := run(context.Background(), []string{"help", "nope"}, &out, &errb); code != 2 {
		t.Errorf("help for an unknown command: exit %d, want 2", code)
	}
}

func TestRun_Version(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d; stderr %s", args, code, errb.String())
		}
		if got := out.String(); !strings.HasPrefix(got, "recd ") || !strings.Contains(got, "revision ") {
			t.Errorf("%v printed %q, want recd VERSION (... revision ...)", args, got)
		}
	}
}

func TestVersionString(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/recd/recd", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"},
			{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	tests := []struct {
		name, linked string
		bi           *debug.BuildInfo
		want         string
	}{
		{"module version", "dev", bi, "recd v1.4.0 (github.com/recd/recd, revision 0123abcd (modified), 2026-12-01T10:00:00Z)"},
		{"linked version wins", "v2.0.0", bi, "recd v2.0.0 (github.com/recd/recd, revision 0123abcd (modified), 2026-12-01T10:00:00Z)"},
		{"no build info", "dev", nil, "recd dev (github.com/recd/recd, revision unknown)"},
		{"checkout without vcs", "dev", &debug.BuildInfo{Main: debug.Module{Path: "github.com/recd/recd", Version: "(devel)"}},
			"recd (devel) (github.com/recd/recd, revision unknown)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionString(tt.linked, tt.bi); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestRunImport_FormatArgument(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import"}, 1, "give the path"},
		{[]string{"import", "csv", "x"}, 1, `unknown format "csv": movielens or jsonl`},
		{[]string{"import", "movielens"}, 1, "give the path"},
		{[]string{"import", "--data-dir", t.TempDir(), "movielens"}, 1, "give the path"},
		{[]string{"import", "--data-dir", t.TempDir(), "movielens", "/nonexistent-dir"}, 1, "nonexistent-dir"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errb)
		if code != tt.code || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d saying %q", tt.args, code, errb.String(), tt.code, tt.want)
		}
	}
}
