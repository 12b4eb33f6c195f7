// Package readmetest runs every shell example of README.md against a live `recd demo`; it
// holds only tests.
package readmetest
