package model

import (
	"context"
	"testing"
)

func BenchmarkItemKNN_FitMLSmall(b *testing.B) {
	d, _ := knnSplit(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := NewItemKNN(DefaultItemKNNOptions())
		if err := m.Fit(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
}
