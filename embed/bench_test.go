package embed

import (
	"fmt"
	"testing"
)

func BenchmarkFitTFIDF(b *testing.B) {
	items := movies(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FitTFIDF(items, DefaultTFIDFOptions()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(items)), "items")
}

func BenchmarkFitLSA(b *testing.B) {
	items := movies(b)
	tf, err := FitTFIDF(items, DefaultTFIDFOptions())
	if err != nil {
		b.Fatal(err)
	}
	for _, iters := range []int{1, 2} {
		b.Run(fmt.Sprintf("power_iters=%d", iters), func(b *testing.B) {
			o := DefaultLSAOptions()
			o.PowerIters = iters
			b.ReportAllocs()
			for b.Loop() {
				if _, err := FitLSA(tf, items, o); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(tf.Dim()), "terms")
		})
	}
}

func BenchmarkTFIDF_Transform(b *testing.B) {
	items := movies(b)
	tf, _ := fitMovies(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tf.Transform(items[i%len(items)])
		i++
	}
}

func BenchmarkLSA_Embed(b *testing.B) {
	items := movies(b)
	tf, lsa := fitMovies(b)
	sv := tf.Transform(items[0])
	b.Run("alloc", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			lsa.Embed(sv)
		}
	})
	b.Run("into", func(b *testing.B) {
		dst := make([]float32, lsa.Dim())
		b.ReportAllocs()
		for b.Loop() {
			lsa.EmbedTo(dst, sv)
		}
	})
}

func BenchmarkProjection(b *testing.B) {
	x, y, _, _ := linearData(9000, 128, 64, 0.1, 1)
	b.Run("fit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := FitProjection(x, y, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	p, _ := FitProjection(x, y, 1)
	b.Run("project", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p.Project(x[0])
		}
	})
}
