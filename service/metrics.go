package service

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the service's Prometheus collectors. Register them with Collectors.
type Metrics struct {
	EventsWritten   prometheus.Counter
	ItemsWritten    prometheus.Counter
	Recommendations *prometheus.CounterVec // by strategy
	TrainRuns       *prometheus.CounterVec // by result
	TrainSeconds    prometheus.Histogram
	CacheHits       prometheus.Counter
	CacheMisses     prometheus.Counter
	Precomputed     *prometheus.CounterVec // plain requests, by result: hit, miss
	SharedErrors    prometheus.Counter
	// ImpressionsRecorded counts served lists written to the store; ImpressionsDropped those
	// dropped because the queue was full or their batch's write failed.
	ImpressionsRecorded prometheus.Counter
	ImpressionsDropped  prometheus.Counter
	// FreshWaits counts the events whose cited list was unknown but fresh (possibly still
	// queued on the replica that served it), by the wait's outcome: found, unknown, busy (too
	// many waiting), cancelled.
	FreshWaits *prometheus.CounterVec
	// GroupCommitSeconds is the time of each group commit's store transaction, and
	// GroupCommitBatches the event batches (requests) it carried; their _count is the
	// transactions (fsyncs with store.sync=full) per second.
	GroupCommitSeconds prometheus.Histogram
	GroupCommitBatches prometheus.Histogram
	// HistoryCut counts the computed lists whose history sources read only the user's newest
	// rank.source_history liked items.
	HistoryCut prometheus.Counter
	// Online are the online metrics' counters (metrics_online_prom.go).
	Online *OnlineCounters
}

func newMetrics() *Metrics {
	return &Metrics{
		EventsWritten: prometheus.NewCounter(prometheus.CounterOpts{Name: "recd_events_written_total",
			Help: "Events stored durably."}),
		ItemsWritten: prometheus.NewCounter(prometheus.CounterOpts{Name: "recd_items_written_total",
			Help: "Items stored (inserted or replaced)."}),
		Recommendations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "recd_recommendations_total",
			Help: "Recommendation lists served, by strategy."}, []string{"strategy"}),
		TrainRuns: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "recd_train_runs_total",
			Help: "Training runs, by result."}, []string{"result"}),
		TrainSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "recd_train_duration_seconds",
			Help: "Wall time of training runs.", Buckets: prometheus.ExponentialBuckets(0.1, 2, 14)}),
		CacheHits: prometheus.NewCounter(prometheus.CounterOpts{Name: "recd_recommendation_cache_hits_total",
			Help: "Recommendation requests answered from the response cache."}),
		CacheMisses: prometheus.NewCounter(prometheus.CounterOpts{Name: "recd_recommendation_cache_misses_total",
			Help: "Cacheable recommendation requests computed by the pipeline."}),
		Precomputed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "recd_precomputed_requests_total",
			Help: "Plain recommendation requests looked up in the precomputed lists, by result (hit, miss)."}, []string{"result"}),
		SharedErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "recd_shared_state_errors_total",
			Help: "Redis calls that failed; the request was answered from in-process state."}),
		ImpressionsRecorded: prometheus.NewCounter(prometheus.CounterOpts{Name: "recd_impressions_recorded_total",
			Help: "Served lists recorded as impressions in the store."}),
		ImpressionsDropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "recd_impressions_dropped_total",
			Help: "Served lists not recorded: the impression queue was full or the store write failed."}),
		FreshWaits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "recd_feedback_fresh_waits_total",
			Help: "Events citing a list unknown here but served within the flush interval, by the outcome of the wait for it (found, unknown, busy, cancelled)."},
			[]string{"outcome"}),
		GroupCommitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "recd_event_group_commit_seconds",
			Help: "Wall time of each event group commit's store transaction.", Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16)}),
		GroupCommitBatches: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "recd_event_group_commit_batches",
			Help: "Event batches (write requests) merged into each group commit.", Buckets: prometheus.ExponentialBuckets(1, 2, 12)}),
		HistoryCut: prometheus.NewCounter(prometheus.CounterOpts{Name: "recd_recommendation_history_cut_total",
			Help: "Computed recommendation lists whose item-kNN, EASE and CF sources read only the user's newest rank.source_history liked items."}),
		Online: newOnlineCounters(),
	}
}

// Collectors returns every collector, for registration.
func (m *Metrics) Collectors() []prometheus.Collector {
	return append([]prometheus.Collector{m.EventsWritten, m.ItemsWritten, m.Recommendations, m.TrainRuns, m.TrainSeconds,
		m.CacheHits, m.CacheMisses, m.Precomputed, m.SharedErrors, m.ImpressionsRecorded, m.ImpressionsDropped,
		m.GroupCommitSeconds, m.GroupCommitBatches, m.FreshWaits, m.HistoryCut},
		m.Online.collectors()...)
}
