package service

// Actions of a TrainLimit.
const (
	LimitSkipped = "skipped" // the model was not trained; the version serves without it
	LimitLimited = "limited" // the model was trained on less than everything
)

// TrainLimit says what a guard limited or skipped in a training run, so that nothing degrades
// silently: the run logs it when it happens, and GET /v1/admin/models shows it on the version
// (the one being served; a version's limits are saved in its bundle).
type TrainLimit struct {
	Model  string `json:"model"`  // ease, ranker
	Action string `json:"action"` // LimitSkipped or LimitLimited
	Reason string `json:"reason"`
}

// limit records a guard's work on the run's bundle and logs it.
func (t *trainer) limit(bd *bundle, model, action, reason string) {
	bd.Limits = append(bd.Limits, TrainLimit{Model: model, Action: action, Reason: reason})
	t.log.Warn("training limited", "model", model, "action", action, "reason", reason)
}
