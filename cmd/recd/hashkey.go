package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/recd/recd/server"
)

// runHashKey prints the configured form ("sha256:<hex>") of an API key read from stdin, or
// with --new generates a random key and prints both the key (to give the client) and its hash
// (for the config file).
func runHashKey(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("hash-key", stderr, "hash-key [--new] < key")
	gen := fs.Bool("new", false, "generate a random 32-byte key and print it with its hash")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *gen {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return fmt.Errorf("generate key: %w", err)
		}
		key := "recd_" + base64.RawURLEncoding.EncodeToString(b)
		fmt.Fprintf(stdout, "key:  %s\nhash: %s\n", key, server.HashKey(key))
		return nil
	}
	return hashKeyFrom(os.Stdin, stdout)
}

func hashKeyFrom(r io.Reader, stdout io.Writer) error {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read key: %w", err)
	}
	key := strings.TrimSpace(line)
	if key == "" {
		return errors.New("no key on stdin (or pass --new)")
	}
	fmt.Fprintln(stdout, server.HashKey(key))
	return nil
}
