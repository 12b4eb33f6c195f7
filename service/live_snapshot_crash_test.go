package service

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// snapCrashEnv names the snapshot file a re-executed test binary saves to as the crash helper.
const snapCrashEnv = "RECD_LIVE_SNAPSHOT_CRASH_HELPER"

// crashBatch is how many events the helper adds between two saves.
const crashBatch = 20000

func TestMain(m *testing.M) {
	if path := os.Getenv(snapCrashEnv); path != "" {
		snapCrashHelper(path)
		return
	}
	code := m.Run()
	for _, f := range atTestsEnd {
		f()
	}
	os.Exit(code)
}

// atTestsEnd are run once every test of the package has: the clean-up of fixtures shared
// by many tests, such as the trained MovieLens service and its directory.
var atTestsEnd []func()

// AtTestsEnd registers f to run after the package's last test (see TestMain).
func AtTestsEnd(f func()) { atTestsEnd = append(atTestsEnd, f) }

// snapCrashHelper adds events and saves the snapshot forever, printing "SAVED n" (the events
// the saved state holds) after each save returns; the parent kills it with SIGKILL.
func snapCrashHelper(path string) {
	o := DefaultOptions()
	o.LiveSnapshot = path
	mem, err := newMemState(&o)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	ls := newLiveSnapshots(&o, nil, slog.New(slog.DiscardHandler))
	ls.storeID = "crash"
	w := bufio.NewWriter(os.Stdout)
	for b := 0; ; b++ {
		evs := histEvents(uint64(b), crashBatch, 500, 3000)
		for k := range evs {
			evs[k].Seq = int64(b*crashBatch + k + 1)
		}
		mem.addEvents(context.Background(), evs)
		if _, err := ls.save(mem); err != nil {
			fmt.Println("ERR", err)
			os.Exit(2)
		}
		fmt.Fprintf(w, "SAVED %d\n", mem.stats().Events)
		w.Flush()
	}
}

// TestLiveSnapshots_SurvivesKill kills a process that saves snapshots in a loop, at seeded
// random moments (often in the middle of a write): the file left is always a whole snapshot,
// the last one acknowledged or the one being written.
func TestLiveSnapshots_SurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	path := filepath.Join(t.TempDir(), "live.snapshot")
	r := rand.New(rand.NewPCG(18, 1))
	for round := range 8 {
		delay := time.Duration(r.IntN(60)) * time.Millisecond
		acked := snapKillOnce(t, path, delay)
		_, tmpErr := os.Stat(path + ".tmp")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		h, err := decodeSnapshot(b)
		if err != nil {
			t.Fatalf("round %d: the file left does not decode: %v", round, err)
		}
		if n := h.nEvents; n != acked && n != acked+crashBatch {
			t.Fatalf("round %d: the file holds %d events, want the acknowledged %d or the next save's %d",
				round, n, acked, acked+crashBatch)
		}
		t.Logf("round %d: killed %v after the second save; the file holds %d events (%d acknowledged), a write cut short: %v",
			round, delay, h.nEvents, acked, tmpErr == nil)
	}
}

// snapKillOnce runs the helper until its second acknowledged save, waits delay, kills it and
// returns the events of the last save it acknowledged.
func snapKillOnce(t *testing.T, path string, delay time.Duration) int {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), snapCrashEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	acked, saves := 0, 0
	var timer <-chan time.Time
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("the helper stopped before it was killed")
			}
			f := strings.Fields(line)
			if len(f) != 2 || f[0] != "SAVED" {
				t.Fatalf("helper: %s", line)
			}
			acked, _ = strconv.Atoi(f[1])
			if saves++; saves == 2 {
				timer = time.After(delay)
			}
			continue
		case <-timer:
		}
		break
	}
	_ = cmd.Process.Kill()
	for line := range lines { // acknowledgements sent before the kill landed
		if f := strings.Fields(line); len(f) == 2 {
			acked, _ = strconv.Atoi(f[1])
		}
	}
	_ = cmd.Wait()
	return acked
}
