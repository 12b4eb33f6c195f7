package model_test

import (
	"context"
	"fmt"
	"slices"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
)

// ExampleALS shows the life cycle the server drives: train, publish item vectors to the `cf`
// space, store the artifact, restore it, and fold a user in after a real-time event.
func ExampleALS() {
	// Two tastes: users 0-9 watch sci-fi, users 10-19 watch dramas.
	b := model.NewBuilder(model.DefaultWeights())
	for u := 0; u < 20; u++ {
		genre := "scifi"
		if u >= 10 {
			genre = "drama"
		}
		for i := 0; i < 5; i++ {
			if (u+i)%5 != 0 { // everyone misses one title of their genre
				b.Add(recd.Event{UserID: fmt.Sprint("u", u), ItemID: fmt.Sprint(genre, i), Type: recd.EventClick})
			}
		}
	}
	d := b.Build()

	opts := model.DefaultALSOptions()
	opts.Factors, opts.Lambda = 4, 0.1
	m := model.NewALS(opts)
	if err := m.Fit(context.Background(), d); err != nil {
		fmt.Println(err)
		return
	}

	// Item vectors for the `cf` index space: row i belongs to item d.Items[i].
	vecs := m.ItemVectors() // model.FactorModel: ALS and BPR
	fmt.Println("cf space:", vecs.Rows, "items of dimension", vecs.Dim)

	// The artifact to store with the model version (keep d.Items beside it to map rows to IDs).
	blob, _ := m.MarshalBinary()
	var served model.ALS
	if err := served.UnmarshalBinary(blob); err != nil {
		fmt.Println(err)
		return
	}

	// A new user clicks two dramas: fold in from the history, then score every item.
	history := []int32{d.ItemIndex["drama1"], d.ItemIndex["drama2"]}
	weights := []float32{1, 1}
	user := served.UserVector(-1, history, weights) // ANN-search the cf space with it (dot product)
	scores := make([]float32, d.NumItems())
	served.Score(-1, history, weights, scores)
	best := -1
	for i, s := range scores {
		if !slices.Contains(history, int32(i)) && (best < 0 || s > scores[best]) {
			best = i
		}
	}
	fmt.Println("user vector of dimension", len(user), "- top unseen item is a", d.Items[best][:5])
	// Output:
	// cf space: 10 items of dimension 4
	// user vector of dimension 4 - top unseen item is a drama
}
