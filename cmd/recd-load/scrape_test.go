package main

import (
	"math"
	"testing"
)

func TestParseFigures(t *testing.T) {
	text := `# HELP x
recd_http_request_duration_seconds_bucket{method="GET",route="/a",status="2xx",le="0.001"} 90
recd_http_request_duration_seconds_bucket{method="GET",route="/a",status="2xx",le="0.01"} 99
recd_http_request_duration_seconds_bucket{method="GET",route="/a",status="2xx",le="+Inf"} 100
recd_http_request_duration_seconds_count{method="GET",route="/a",status="2xx"} 100
recd_http_request_duration_seconds_bucket{method="other",route="/a",status="4xx",le="0.001"} 0
recd_http_request_duration_seconds_bucket{method="other",route="/a",status="4xx",le="0.01"} 0
recd_http_request_duration_seconds_bucket{method="other",route="/a",status="4xx",le="+Inf"} 0
recd_http_request_duration_seconds_count{method="other",route="/a",status="4xx"} 0
process_resident_memory_bytes 1.048576e+08
`
	f := parseFigures(text)
	if f.P99["/a"] != 0.01 || f.Series != 2 || f.RSSBytes != 100<<20 || f.MetricsBytes != len(text) {
		t.Errorf("got %+v", f)
	}
	if q := quantile(map[float64]float64{math.Inf(1): 0}, 0.99); !math.IsNaN(q) {
		t.Errorf("quantile of nothing = %v, want NaN", q)
	}
}
