// Package sim simulates users of a running recd server over HTTP: it splits the bundled
// MovieLens ratings into a training part and each user's held-out set, asks the server for
// lists, clicks with a position-biased probability, sends the clicks with the list's
// recommendation id and position, and tallies what it saw per variant.
package sim

import (
	"errors"
	"fmt"
)

// Options configures a simulation. Zero values are not defaults: start from DefaultOptions.
type Options struct {
	// Seed fixes the split, the users drawn and every click decision.
	Seed int64
	// Users is how many held-out users visit (at most those with a large enough held-out set).
	Users int
	// Visits is how many lists each user asks for; a visit excludes the items already clicked.
	Visits int
	// ListSize is the n of each recommendation request.
	ListSize int
	// Workers is how many users are simulated at once. Results do not depend on it: each
	// user's decisions come from their own seeded source.
	Workers int
	// Click is the click model.
	Click ClickModel
	// CrossClicks sends a list's clicks to the next server rather than the one that served
	// the list (with several URLs). Off, a user's visits alternate between the servers and each
	// visit's clicks go where its list came from.
	CrossClicks bool
}

// DefaultOptions returns 300 users, 3 visits each, lists of 10, 4 workers and
// DefaultClickModel.
func DefaultOptions() Options {
	return Options{Seed: 1, Users: 300, Visits: 3, ListSize: 10, Workers: 4, Click: DefaultClickModel()}
}

// Validate names the first field out of range.
func (o Options) Validate() error {
	switch {
	case o.Users < 1 || o.Users > 100000:
		return fmt.Errorf("sim: users must lie in [1,100000], not %d", o.Users)
	case o.Visits < 1 || o.Visits > 100:
		return fmt.Errorf("sim: visits must lie in [1,100], not %d", o.Visits)
	case o.ListSize < 1 || o.ListSize > 100:
		return fmt.Errorf("sim: list size must lie in [1,100], not %d", o.ListSize)
	case o.Workers < 1 || o.Workers > 256:
		return fmt.Errorf("sim: workers must lie in [1,256], not %d", o.Workers)
	}
	return o.Click.Validate()
}

// ErrNoExperiments is returned when the server has no experiment routes.
var ErrNoExperiments = errors.New("sim: the server has no experiment routes")
