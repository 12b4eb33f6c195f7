package store

import (
	"context"
	"time"

	"github.com/recd/recd"
)

// ImpressionScanner is implemented by stores that read served lists and attributed events
// of a time window back, for online metrics. Check for it with a type assertion. Scans read
// in pages on read connections: they never hold the writer, and no connection is held while
// fn runs.
type ImpressionScanner interface {
	// ScanImpressions calls fn for every impression served in [from, to), with its items, in
	// (time, id) order; fn's error stops the scan and is returned.
	ScanImpressions(ctx context.Context, from, to time.Time, fn func(Impression) error) error
	// ScanAttributedEvents calls fn for every event with a recommendation id whose timestamp
	// is in [from, to), in (timestamp, seq) order; fn's error stops the scan and is returned.
	ScanAttributedEvents(ctx context.Context, from, to time.Time, fn func(recd.Event) error) error
}
