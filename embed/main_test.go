package embed

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves goroutines behind (the HTTP client's
// retries and timers included).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
