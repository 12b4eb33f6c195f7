package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/recd/recd"
	"github.com/recd/recd/client"
	"github.com/recd/recd/describe"
	"github.com/recd/recd/embed"
)

// SplitColdItems names the cold-item protocol of `recd eval --split cold-items`.
const SplitColdItems = "cold-items"

// coldRow is one line of the cold-item report.
type coldRow struct {
	Model     string `json:"model"`
	Generated string `json:"generated"` // none, or where the descriptions came from
	ColdResult
}

// runCold is `recd eval --split cold-items`: the content models (TF-IDF, LSA) ranking held-out
// cold items, without and (with --generated) with generated descriptions.
func runCold(ctx context.Context, f *cliFlags, stdout, stderr io.Writer) error {
	if f.dataPath == "" {
		return recd.Invalid("data", "--split cold-items needs --data")
	}
	if !f.kSet {
		f.k = 50
	}
	if !f.fractionSet {
		f.fraction = 0.1
	}
	data, err := ReadData(f.dataPath, f.format)
	if err != nil {
		return err
	}
	if len(data.Items) == 0 {
		return recd.Invalid("data", "the cold-item protocol needs a catalog with content (a MovieLens directory)")
	}
	split, cold, err := ColdItemSplit(data.Events, f.fraction, f.seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "cold items: %d of the items with events, %d test users, %d held-out pairs\n",
		len(cold), len(split.Test), split.NumTest())
	variants := []struct {
		name  string
		items []recd.Item
	}{{"none", data.Items}}
	if f.generated != "" {
		withGen, n, err := attachGenerated(ctx, data.Items, f.generated, f.key)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "generated descriptions (%s): %d of %d items\n", f.generated, n, len(data.Items))
		variants = append(variants, struct {
			name  string
			items []recd.Item
		}{f.generated, withGen})
	}
	lsa := embed.DefaultLSAOptions()
	var rows []coldRow
	for _, m := range []struct {
		name string
		lsa  *embed.LSAOptions
	}{{"content-tfidf", nil}, {"content-lsa", &lsa}} {
		for _, v := range variants {
			res, err := EvaluateCold(split, cold, v.items, ColdOptions{K: f.k, TFIDF: embed.DefaultTFIDFOptions(), LSA: m.lsa})
			if err != nil {
				return err
			}
			rows = append(rows, coldRow{Model: m.name, Generated: v.name, ColdResult: res})
		}
	}
	if f.output == "json" {
		return json.NewEncoder(stdout).Encode(map[string]any{"protocol": coldProtocol(f, len(cold)), "rows": rows})
	}
	fmt.Fprintf(stdout, "%s\n\n| model | generated text | recall@%d | random | users | pairs | cold items |\n|---|---|---|---|---|---|---|\n",
		coldProtocol(f, len(cold)), f.k)
	for _, r := range rows {
		fmt.Fprintf(stdout, "| %s | %s | %.4f | %.4f | %d | %d | %d |\n", r.Model, r.Generated, r.Recall, r.RandomRecall,
			r.Users, r.Pairs, r.ColdItems)
	}
	return nil
}

func coldProtocol(f *cliFlags, n int) string {
	return fmt.Sprintf("%s: cold-items split (every event of %d items, a %g share drawn with seed %d, held out), "+
		"recall@%d of each test user's cold items among the cold items, ranked by content alone", f.dataPath, n, f.fraction, f.seed, f.k)
}

// attachGenerated returns a copy of items with generated descriptions: written by the
// stand-in (checked as recd describe checks a model's answer), or read from a running server.
func attachGenerated(ctx context.Context, items []recd.Item, source, key string) ([]recd.Item, int, error) {
	out := make([]recd.Item, len(items))
	copy(out, items)
	n := 0
	if source == "stand-in" {
		for i, it := range out {
			p := describe.BuildPrompt(it, recd.DefaultDescribeFields, describe.DefaultOptions().MaxChars)
			text, err := describe.StandIn{}.Write(ctx, p)
			if err != nil {
				return nil, 0, err
			}
			if text, err = describe.CheckAnswer(text, it.Title, describe.DefaultOptions().MinChars, describe.DefaultOptions().MaxChars); err == nil {
				out[i].Generated = &recd.Generated{Text: text, Model: describe.StandInModel, Fields: recd.DefaultDescribeFields}
				n++
			}
		}
		return out, n, nil
	}
	if !strings.HasPrefix(source, "http://") && !strings.HasPrefix(source, "https://") {
		return nil, 0, recd.Invalid("generated", "must be stand-in or the URL of a running recd")
	}
	c, err := client.New(source, client.WithAPIKey(key))
	if err != nil {
		return nil, 0, err
	}
	byID := map[string]*recd.Generated{}
	for it, err := range c.ListItems(ctx, 1000) {
		if err != nil {
			return nil, 0, fmt.Errorf("read generated descriptions: %w", err)
		}
		if it.Generated != nil {
			byID[it.ID] = it.Generated
		}
	}
	for i := range out {
		if g := byID[out[i].ID]; g != nil {
			out[i].Generated = g
			n++
		}
	}
	return out, n, nil
}
