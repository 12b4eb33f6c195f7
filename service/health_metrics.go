package service

import "github.com/prometheus/client_golang/prometheus"

// ReplicaCollector returns a Prometheus collector of the dependencies' states and the
// follower's progress, read when scraped: recd_dependency_up{dependency},
// recd_degraded, recd_follow_applied_total{kind} and recd_follow_last_sync_timestamp_seconds.
// Register it beside Metrics.Collectors.
func (s *Service) ReplicaCollector() prometheus.Collector { return replicaCollector{s} }

var (
	depUpDesc = prometheus.NewDesc("recd_dependency_up", "Whether a dependency answered its last check (1) or not (0).",
		[]string{"dependency"}, nil)
	degradedDesc = prometheus.NewDesc("recd_degraded", "1 while a dependency is down and reads answer from memory.",
		nil, nil)
	appliedDesc = prometheus.NewDesc("recd_follow_applied_total",
		"What the follower applied from other replicas: events, catalog changes, vectors, models.", []string{"kind"}, nil)
	lastSyncDesc = prometheus.NewDesc("recd_follow_last_sync_timestamp_seconds",
		"When the follower last finished a pass over the shared store (0 before the first).", nil, nil)
)

type replicaCollector struct{ s *Service }

func (c replicaCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- depUpDesc
	ch <- degradedDesc
	ch <- appliedDesc
	ch <- lastSyncDesc
}

func (c replicaCollector) Collect(ch chan<- prometheus.Metric) {
	rep := c.s.Health()
	for _, d := range rep.Dependencies {
		up := 0.0
		if d.Up {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(depUpDesc, prometheus.GaugeValue, up, d.Name)
	}
	deg := 0.0
	if rep.Degraded {
		deg = 1
	}
	ch <- prometheus.MustNewConstMetric(degradedDesc, prometheus.GaugeValue, deg)
	st := c.s.FollowStatus()
	for kind, v := range map[string]int64{"events": st.Events, "changes": st.Changes, "vectors": st.Vectors, "models": st.Models} {
		ch <- prometheus.MustNewConstMetric(appliedDesc, prometheus.CounterValue, float64(v), kind)
	}
	last := 0.0
	if !st.LastSync.IsZero() {
		last = float64(st.LastSync.UnixNano()) / 1e9
	}
	ch <- prometheus.MustNewConstMetric(lastSyncDesc, prometheus.GaugeValue, last)
}
