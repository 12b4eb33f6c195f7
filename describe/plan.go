package describe

import "context"

// Plan is what a run would ask for, without asking: the selection and a token estimate.
type Plan struct {
	Report
	// PromptTokens and OutputTokens estimate the tokens of one try per selected item: about
	// four bytes of prompt per token, and MaxChars/4 tokens of answer at most.
	PromptTokens int64 `json:"prompt_tokens"`
	OutputTokens int64 `json:"output_tokens"`
}

// Cost is the estimate's price for prices in currency units per million tokens.
func (p Plan) Cost(inPerMillion, outPerMillion float64) float64 {
	return (float64(p.PromptTokens)*inPerMillion + float64(p.OutputTokens)*outPerMillion) / 1e6
}

// Plan scans the catalog as Run would and estimates the tokens the run would use.
func (j *Job) Plan(ctx context.Context) (Plan, error) {
	var p Plan
	items, err := j.selection(ctx, &p.Report)
	if err != nil {
		return p, err
	}
	for _, it := range items {
		pr := BuildPrompt(it, j.fields, j.opts.MaxChars)
		p.PromptTokens += estimateTokens(pr.System) + estimateTokens(pr.User) + 8 // role and framing
		p.OutputTokens += int64(j.opts.MaxChars+3) / 4
	}
	return p, nil
}

// estimateTokens is a rough count for English text: a token per four bytes.
func estimateTokens(s string) int64 { return int64(len(s)+3) / 4 }
