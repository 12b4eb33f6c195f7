package server

import (
	"fmt"
	"net/http"

	"github.com/recd/recd/experiment"
)

// This file holds the experiment routes' part of the OpenAPI document: their parameters and
// schemas (the routes themselves are in the table in openapi_paths.go).

var (
	pExpID = param{"id", "path", "experiment id: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
		maxStr(64)}
	created      = []int{http.StatusCreated}
	pPreviewUser = param{"user_id", "query", "the user whose lists are previewed (required; the id rule)",
		maxStr(defLimits.MaxIDLength)}
)

// experimentSchemas are the experiment definitions and reports.
func experimentSchemas() map[string]any {
	knob := func(hi float64, desc string) map[string]any { return described(rangeT("number", 0, hi), desc) }
	weights := map[string]any{}
	for _, src := range experiment.Sources {
		weights[src] = rangeT("number", 0, experiment.MaxSourceWeight)
	}
	est := obj(map[string]any{"value": num, "low": num, "high": num}, "value", "low", "high")
	return map[string]any{
		"Experiment": obj(map[string]any{
			"id":     described(maxStr(64), "always in answers; in PUT, optional and equal to the path's id"),
			"design": map[string]any{"type": "string", "enum": []string{experiment.DesignAB, experiment.DesignInterleaving}, "description": "default ab"},
			"unit":   map[string]any{"type": "string", "enum": []string{experiment.UnitUser, experiment.UnitSession}, "description": "default user"},
			"variants": map[string]any{"type": "array", "minItems": experiment.MinVariants, "maxItems": experiment.MaxVariants,
				"items": ref("ExperimentVariant"), "description": "the first is the control; interleaving takes exactly 2"},
			"start":   described(dtime, "included; before end"),
			"end":     described(dtime, "excluded"),
			"created": serverTime,
			"status": map[string]any{"type": "string", "readOnly": true, "enum": []string{experiment.StatusScheduled,
				experiment.StatusRunning, experiment.StatusFinished}}},
			"variants", "start", "end", "created", "status"),
		"ExperimentVariant": obj(map[string]any{"name": described(maxStr(64), "distinct; the id rule; not \"interleaved\""),
			"weight":    described(rangeT("number", 0, experiment.MaxWeight), "share of the units; the weights sum to a positive number"),
			"overrides": ref("ExperimentOverrides")}, "name", "weight"),
		"ExperimentOverrides": obj(map[string]any{
			"diversity": knob(1, "as the request knob"), "calibration": knob(1, "as the request knob"),
			"long_tail_share": knob(1, "as the request knob"), "session_weight": knob(1, "as the request knob"),
			"exposure_strength": knob(10, "as the request knob"),
			"weights": map[string]any{"type": "object", "properties": weights, "additionalProperties": false,
				"description": "blend weights by source (0 turns one off)"},
			"sources": map[string]any{"type": "array", "minItems": 1, "maxItems": len(experiment.Sources),
				"items": map[string]any{"type": "string", "enum": experiment.Sources}, "description": "keep only these sources"},
			"ranker": described(boolT, "false serves the hand-weighted blend even where a learned ranker model exists; "+
				"true (or absent) the default scorer"),
			"model_version": described(maxStr(64), fmt.Sprintf("serve the variant from this saved model version (GET "+
				"/v1/admin/models), its sources and ranker, instead of the current one; an unsaved version is refused. "+
				"An experiment pins at most %d versions, each held in memory; until loaded, or if pruned, the current "+
				"model serves and the answer's model_fallback says so", experiment.MaxPinnedVersions))}),
		"ExperimentList": obj(map[string]any{"experiments": arrOf("Experiment")}, "experiments"),
		"ExperimentPreview": obj(map[string]any{"experiment": str, "user_id": str, "variants": arrOf("VariantPreview")},
			"experiment", "user_id", "variants"),
		"VariantPreview": obj(map[string]any{"name": str, "strategy": str, "items": arrOf("Recommendation"),
			"model_version": described(str, "the model version that ranked the list"),
			"scorer":        described(str, "ranker or blend"),
			"model_fallback": described(str, "set when the variant pins a version that is not loaded (only the running "+
				"experiment's pins are): the current model ranked the list")},
			"name", "strategy", "items"),
		"Estimate": est,
		"ExperimentReport": obj(map[string]any{"experiment": str, "design": str, "status": str,
			"primary_metric": described(str, "per_user_ctr: clicked over impressed items per unit, compared by the delta method"),
			"variants":       arrOf("VariantReport"),
			"srm":            obj(map[string]any{"chi_square": num, "p_value": num, "ok": boolT}, "chi_square", "p_value", "ok"),
			"interleaving": obj(map[string]any{"wins": integ, "losses": integ, "ties": integ,
				"preference_share": described(num, "the first variant's share of the lists decided by clicks"),
				"users":            described(integ, "units served an interleaved list"),
				"user_wins":        described(integ, "units whose clicks went more to the first variant's items"),
				"user_losses":      described(integ, "units whose clicks went more to the second variant's items"),
				"difference":       described(ref("Estimate"), "mean over units of the clicks credited to the first variant minus the second"),
				"p_value":          described(num, "two-sided t-test of the difference over units")},
				"wins", "losses", "ties", "preference_share", "users", "user_wins", "user_losses", "difference", "p_value"),
			"conclusive": boolT, "reason": str},
			"experiment", "design", "status", "primary_metric", "variants", "srm", "conclusive"),
		"VariantReport": obj(map[string]any{"name": str, "weight": num,
			"users":       described(integ, "units (users, or sessions under unit session) served the variant"),
			"impressions": described(integ, "items shown"), "clicks": integ, "conversions": integ, "ctr": ref("Estimate"),
			"lift":    described(ref("Estimate"), "relative to the control; absent for the control"),
			"p_value": described(num, "of the difference with the control; absent for the control")},
			"name", "weight", "users", "impressions", "clicks", "conversions", "ctr"),
	}
}
