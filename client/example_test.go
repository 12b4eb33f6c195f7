package client_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/recd/recd"
	"github.com/recd/recd/client"
)

// The README's example, compiled by go vet and go test so that it stays correct.
func ExampleClient() {
	c, err := client.New("http://localhost:8080", client.WithAPIKey(os.Getenv("RECD_KEY")))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.PutItem(ctx, recd.Item{ID: "42", Title: "Amelie", Categories: []string{"Comedy"}, Available: true}); err != nil {
		log.Fatal(err)
	}
	if _, err := c.AddEvents(ctx, []recd.Event{{UserID: "ann", ItemID: "42", Type: recd.EventLike}}); err != nil {
		log.Fatal(err)
	}
	recs, err := c.Recommend(ctx, "ann", 10, client.Diversity(0.3), client.Categories("Comedy"))
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range recs.Items {
		fmt.Println(r.ID, r.Score, r.Reasons)
	}
	for it, err := range c.ListItems(ctx, 500) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(it.ID)
	}
	if _, err := c.GetItem(ctx, "nope"); client.IsNotFound(err) {
		fmt.Println("no such item")
	}
}
