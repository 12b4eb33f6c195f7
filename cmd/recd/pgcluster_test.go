package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// pgCluster is a private PostgreSQL server the test owns, so it can kill it and start it
// again: initdb and pg_ctl from Debian's packages, run as the postgres user when the test
// runs as root (PostgreSQL refuses to run as root), in a temporary directory, on a free
// loopback port.
type pgCluster struct {
	t        *testing.T
	bin, dir string
	port     int
	uid, gid int // the owner of the cluster; -1 when the test's own user runs it
}

// startPostgres initialises and starts a private cluster, or skips the test saying why.
func startPostgres(t *testing.T) *pgCluster {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		t.Skip("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)")
	}
	slices.Sort(bins)
	c := &pgCluster{t: t, bin: filepath.Dir(bins[len(bins)-1]), uid: -1, gid: -1}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root and there is no postgres user to run a private PostgreSQL as")
		}
		c.uid, _ = strconv.Atoi(u.Uid)
		c.gid, _ = strconv.Atoi(u.Gid)
		if _, err := exec.LookPath("runuser"); err != nil {
			t.Skip("running as root without runuser to start PostgreSQL as the postgres user")
		}
	}
	dir, err := os.MkdirTemp("", "recd-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir = dir
	t.Cleanup(func() {
		_ = c.run("pg_ctl", "stop", "-D", c.data(), "-m", "immediate")
		os.RemoveAll(dir)
	})
	if c.uid >= 0 {
		if err := os.Chown(dir, c.uid, c.gid); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if err := c.run("initdb", "-D", c.data(), "-U", "recd", "-A", "trust", "-E", "UTF8", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v", err)
	}
	c.start()
	return c
}

func (c *pgCluster) data() string { return filepath.Join(c.dir, "data") }

// DSN is the cluster's connection string (the recd role, trusted on loopback).
func (c *pgCluster) DSN() string {
	return fmt.Sprintf("postgres://recd@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=2", c.port)
}

// start starts the server and waits until it accepts connections.
func (c *pgCluster) start() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", c.port, c.dir)
	if err := c.run("pg_ctl", "start", "-D", c.data(), "-w", "-t", "30", "-l", filepath.Join(c.dir, "log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		c.t.Fatalf("pg_ctl start: %v\n%s", err, log)
	}
}

// kill stops the server the way a crash does: every backend exits at once, without a
// checkpoint (pg_ctl's immediate mode); the next start recovers from the WAL.
func (c *pgCluster) kill() {
	c.t.Helper()
	if err := c.run("pg_ctl", "stop", "-D", c.data(), "-m", "immediate", "-w"); err != nil {
		c.t.Fatalf("pg_ctl stop: %v", err)
	}
}

func (c *pgCluster) run(name string, args ...string) error {
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.uid >= 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %v: %w: %s", name, args, err, out)
	}
	return nil
}
