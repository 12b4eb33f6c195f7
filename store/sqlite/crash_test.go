package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/store/sqlite"
)

// crashEnv names the database a re-executed test binary writes to as the crash helper.
const crashEnv = "RECD_SQLITE_CRASH_HELPER"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		crashHelper(path)
		return
	}
	os.Exit(m.Run())
}

// crashHelper writes batches of events forever and prints "ACK batch seq..." after each
// AddEvents returns; the parent kills it with SIGKILL at an arbitrary point.
func crashHelper(path string) {
	s, err := sqlite.Open(path, sqlite.DefaultOptions())
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	for b := 0; ; b++ {
		n := 1 + b%7 // batches of 1 to 7 events
		batch := make([]recd.Event, n)
		for i := range batch {
			batch[i] = recd.Event{UserID: fmt.Sprintf("u%d", b%13), ItemID: fmt.Sprintf("i%d", i),
				Type: recd.EventClick, SessionID: fmt.Sprintf("b%d", b)}
		}
		got, err := s.AddEvents(context.Background(), batch)
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(2)
		}
		fmt.Fprintf(w, "ACK %d", b)
		for _, e := range got {
			fmt.Fprintf(w, " %d", e.Seq)
		}
		fmt.Fprintln(w)
		w.Flush() // the acknowledgement leaves the process only after the write returned
	}
}

func TestStore_SurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[int][]int64{} // batch -> seqs
	sc := bufio.NewScanner(out)
	const killAfter = 400
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if f[0] == "ERR" {
			t.Fatalf("helper: %s", sc.Text())
		}
		if f[0] != "ACK" {
			continue
		}
		b, _ := strconv.Atoi(f[1])
		for _, x := range f[2:] {
			seq, _ := strconv.ParseInt(x, 10, 64)
			acked[b] = append(acked[b], seq)
		}
		if len(acked) == killAfter {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("helper did not die by SIGKILL: %v", err)
	}
	if len(acked) != killAfter {
		t.Fatalf("helper acknowledged %d batches before exiting, want %d", len(acked), killAfter)
	}

	s, err := sqlite.Open(path, sqlite.DefaultOptions())
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	stored := map[int64]recd.Event{}
	batches := map[string]int{}
	if err := s.ScanEvents(t.Context(), 0, func(e recd.Event) error {
		stored[e.Seq] = e
		batches[e.SessionID]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for b, seqs := range acked {
		for _, seq := range seqs {
			if e, ok := stored[seq]; !ok || e.SessionID != fmt.Sprintf("b%d", b) {
				t.Errorf("acknowledged event seq %d of batch %d lost after SIGKILL (found %+v)", seq, b, e)
			}
		}
	}
	// A batch in flight at the kill is either whole or absent.
	for sess, n := range batches {
		b, _ := strconv.Atoi(strings.TrimPrefix(sess, "b"))
		if want := 1 + b%7; n != want {
			t.Errorf("batch %s has %d of its %d events", sess, n, want)
		}
	}
	t.Logf("%d batches acknowledged, %d stored, %d events", len(acked), len(batches), len(stored))
}
