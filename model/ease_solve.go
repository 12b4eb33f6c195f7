package model

import (
	"context"
	"errors"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack/gonum"
)

// easeCSR is the training matrix restricted to kept items (columns renumbered), with users
// that have no kept item dropped.
type easeCSR struct {
	rows int
	ptr  []int32
	col  []int32
	val  []float64
}

func easeSubmatrix(d *Dataset, slot []int32, cols int) *easeCSR {
	x := &easeCSR{ptr: []int32{0}}
	for u := 0; u < d.NumUsers(); u++ {
		its, ws := d.UserRow(u)
		before := len(x.col)
		for n, it := range its {
			if s := slot[it]; s >= 0 {
				x.col = append(x.col, s)
				x.val = append(x.val, float64(ws[n]))
			}
		}
		if len(x.col) > before {
			x.ptr = append(x.ptr, int32(len(x.col)))
			x.rows++
		}
	}
	return x
}

// transpose returns the CSC form of x as a CSR of the transpose.
func (x *easeCSR) transpose(cols int) *easeCSR {
	t := &easeCSR{rows: cols, ptr: make([]int32, cols+1), col: make([]int32, len(x.col)), val: make([]float64, len(x.val))}
	for _, c := range x.col {
		t.ptr[c+1]++
	}
	for c := 0; c < cols; c++ {
		t.ptr[c+1] += t.ptr[c]
	}
	next := append([]int32(nil), t.ptr[:cols]...)
	for r := 0; r < x.rows; r++ {
		for p := x.ptr[r]; p < x.ptr[r+1]; p++ {
			c := x.col[p]
			t.col[next[c]] = int32(r)
			t.val[next[c]] = x.val[p]
			next[c]++
		}
	}
	return t
}

// easeParallel runs fn(g, i) for i in [0, n) on goroutines g in [0, w), rows striped so that uneven row
// costs spread, and stops early when ctx is done.
func easeParallel(ctx context.Context, n, w int, fn func(g, i int)) error {
	var wg sync.WaitGroup
	for g := 0; g < w; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < n; i += w {
				if i%64 == g && ctx.Err() != nil {
					return
				}
				fn(g, i)
			}
		}(g)
	}
	wg.Wait()
	return ctx.Err()
}

// easeGram returns the dense symmetric a.rows×a.rows matrix A·Aᵀ + lambda·I (full storage),
// computed from the sparse rows of a and the sparse rows of aT = Aᵀ in parallel.
func easeGram(ctx context.Context, a, aT *easeCSR, lambda float64, workers int) ([]float64, error) {
	n := a.rows
	g := make([]float64, n*n)
	err := easeParallel(ctx, n, workers, func(_, i int) {
		row := g[i*n : (i+1)*n]
		for p := a.ptr[i]; p < a.ptr[i+1]; p++ {
			k, v := a.col[p], a.val[p]
			for q := aT.ptr[k]; q < aT.ptr[k+1]; q++ {
				row[aT.col[q]] += v * aT.val[q]
			}
		}
		row[i] += lambda
	})
	return g, err
}

// easeByItems factors G = XᵀX + λI by Cholesky, inverts it in place (P) and forms B.
func easeByItems(ctx context.Context, x *easeCSR, n int, lambda float64, workers int) ([]float32, error) {
	xt := x.transpose(n)
	p, err := easeGram(ctx, xt, x, lambda, workers)
	if err != nil {
		return nil, err
	}
	var impl gonum.Implementation
	if !impl.Dpotrf(blas.Upper, n, p, n) {
		return nil, errors.New("gram matrix not positive definite")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !impl.Dpotri(blas.Upper, n, p, n) {
		return nil, errors.New("gram matrix singular")
	}
	// P is in the upper triangle: P[i][j] = p[min*n+max].
	b := make([]float32, n*n)
	err = easeParallel(ctx, n, workers, func(_, i int) {
		for j := 0; j < n; j++ {
			if i == j {
				continue
			}
			pij := p[min(i, j)*n+max(i, j)]
			b[i*n+j] = float32(-pij / p[j*n+j])
		}
	})
	return b, err
}

// easeByUsers obtains P = (I - XᵀKX)/λ with K = (XXᵀ + λI)⁻¹ (Woodbury), which needs only an
// m×m Cholesky inverse when there are fewer users m than items, then forms B.
func easeByUsers(ctx context.Context, x *easeCSR, n int, lambda float64, workers int) ([]float32, error) {
	m := x.rows
	xt := x.transpose(n)
	k, err := easeGram(ctx, x, xt, lambda, workers)
	if err != nil {
		return nil, err
	}
	var impl gonum.Implementation
	if !impl.Dpotrf(blas.Upper, m, k, m) || !impl.Dpotri(blas.Upper, m, k, m) {
		return nil, errors.New("user gram matrix not positive definite")
	}
	for i := 0; i < m; i++ { // mirror the upper triangle so rows of K are complete
		for j := 0; j < i; j++ {
			k[i*m+j] = k[j*m+i]
		}
	}
	// Y = K·X, m×n dense: row u of Y is Σ_v K[u][v]·X[v,:].
	y := make([]float64, m*n)
	err = easeParallel(ctx, m, workers, func(_, u int) {
		row := y[u*n : (u+1)*n]
		for v := 0; v < m; v++ {
			kuv := k[u*m+v]
			for p := x.ptr[v]; p < x.ptr[v+1]; p++ {
				row[x.col[p]] += kuv * x.val[p]
			}
		}
	})
	if err != nil {
		return nil, err
	}
	// Q = XᵀY: row i is Σ_{u in column i} X[u][i]·Y[u,:]; P = (I - Q)/λ.
	diag := make([]float64, n) // λ·P[j][j] = 1 - Q[j][j]
	for j := 0; j < n; j++ {
		q := 0.0
		for p := xt.ptr[j]; p < xt.ptr[j+1]; p++ {
			q += xt.val[p] * y[int(xt.col[p])*n+j]
		}
		diag[j] = 1 - q
	}
	b := make([]float32, n*n)
	bufs := make([][]float64, workers)
	for g := range bufs {
		bufs[g] = make([]float64, n)
	}
	err = easeParallel(ctx, n, workers, func(g, i int) {
		q := bufs[g]
		clear(q)
		for p := xt.ptr[i]; p < xt.ptr[i+1]; p++ {
			v, yr := xt.val[p], y[int(xt.col[p])*n:int(xt.col[p]+1)*n]
			for j, yv := range yr {
				q[j] += v * yv
			}
		}
		row := b[i*n : (i+1)*n]
		for j := range row {
			if j != i {
				row[j] = float32(q[j] / diag[j]) // -P[i][j]/P[j][j] = Q[i][j]/(1-Q[j][j])
			}
		}
	})
	return b, err
}
