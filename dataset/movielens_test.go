package dataset

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadMovieLens_Latest(t *testing.T) {
	d, err := ReadMovieLens("../examples/ml-latest-small")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(d.Events), 100836; got != want {
		t.Errorf("events = %d, want %d", got, want)
	}
	if got, want := len(d.Items), 9742; got != want {
		t.Errorf("items = %d, want %d", got, want)
	}
	toy := d.Items[0]
	if toy.ID != "1" || toy.Attributes["year"] != 1995 || len(toy.Categories) != 5 {
		t.Errorf("Toy Story = %+v", toy)
	}
	tagged := 0
	for _, it := range d.Items {
		if len(it.Tags) > 0 {
			tagged++
		}
	}
	if tagged < 1000 {
		t.Errorf("only %d items have tags", tagged)
	}
}

func TestReadMovieLens_100K(t *testing.T) {
	dir := t.TempDir()
	item := "1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n" +
		"2|Caf\xe9 (1996)|01-Jan-1996||http://x|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
	os.WriteFile(filepath.Join(dir, "u.item"), []byte(item), 0o644)
	os.WriteFile(filepath.Join(dir, "u.data"), []byte("196\t1\t3\t881250949\n186\t2\t5\t891717742\n"), 0o644)
	d, err := ReadMovieLens(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Items) != 2 || len(d.Events) != 2 {
		t.Fatalf("got %d items, %d events", len(d.Items), len(d.Events))
	}
	if got := d.Items[0].Categories; len(got) != 3 || got[0] != "Animation" {
		t.Errorf("categories = %v", got)
	}
	if got := d.Items[1].Title; got != "Café (1996)" {
		t.Errorf("latin-1 title = %q", got)
	}
	if d.Events[1].Value != 5 || d.Events[1].ItemID != "2" {
		t.Errorf("event = %+v", d.Events[1])
	}
}
