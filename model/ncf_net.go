package model

import (
	"math"
	"math/rand/v2"
)

// ncfWork holds one sample's activations and gradients; Fit uses two (BPR needs a pair).
type ncfWork struct {
	g      []float32   // p_u ⊙ q_i
	h      [][]float32 // h[0] = [pm_u; qm_i], h[l] = ReLU output of layer l
	dh     [][]float32
	dp, dq []float32
	tmp    [1]float32
}

func (m *NCF) sizes() (g, mlp int, layers []int) {
	return m.Opt.GMFDim, m.Opt.MLPDim, m.Opt.Layers
}

func (m *NCF) initParams(rng *rand.Rand) {
	G, M, L := m.sizes()
	const embStd = 0.05
	m.p = ncfNewParam(m.nu*G, embStd, rng, G)
	m.q = ncfNewParam(m.ni*G, embStd, rng, G)
	m.w, m.b = nil, nil
	last := 0
	if M > 0 {
		m.pm = ncfNewParam(m.nu*M, embStd, rng, M)
		m.qm = ncfNewParam(m.ni*M, embStd, rng, M)
		in := 2 * M
		for _, out := range L {
			m.w = append(m.w, ncfNewParam(out*in, math.Sqrt(2/float64(in)), rng, 0))
			m.b = append(m.b, ncfNewParam(out, 0, rng, 0))
			in = out
		}
		last = in
	}
	m.wg = ncfNewParam(G, 1/math.Sqrt(float64(G+last)), rng, 0)
	m.wh = ncfNewParam(last, 1/math.Sqrt(float64(G+last)), rng, 0)
	m.bo = ncfNewParam(1, 0, rng, 0)
	m.bi = ncfNewParam(m.ni, 0, rng, 1)
}

func (m *NCF) newWork() *ncfWork {
	G, M, L := m.sizes()
	ws := &ncfWork{g: make([]float32, G), dp: make([]float32, G), dq: make([]float32, G)}
	if M > 0 {
		ws.h = append(ws.h, make([]float32, 2*M))
		ws.dh = append(ws.dh, make([]float32, 2*M))
		for _, out := range L {
			ws.h = append(ws.h, make([]float32, out))
			ws.dh = append(ws.dh, make([]float32, out))
		}
	}
	return ws
}

// forward returns the logit of (u, i), keeping activations in ws for backward.
func (m *NCF) forward(ws *ncfWork, u, i int) float32 {
	G, M, _ := m.sizes()
	x := m.bo.v[0] + m.bi.v[i]
	pu, qi := m.p.v[u*G:(u+1)*G], m.q.v[i*G:(i+1)*G]
	for k := range ws.g {
		ws.g[k] = pu[k] * qi[k]
		x += m.wg.v[k] * ws.g[k]
	}
	if M == 0 {
		return x
	}
	copy(ws.h[0][:M], m.pm.v[u*M:(u+1)*M])
	copy(ws.h[0][M:], m.qm.v[i*M:(i+1)*M])
	for l := range m.w {
		in, out := ws.h[l], ws.h[l+1]
		w, b := m.w[l].v, m.b[l].v
		for r := range out {
			s := b[r]
			for c, hv := range in {
				s += w[r*len(in)+c] * hv
			}
			out[r] = max(s, 0)
		}
	}
	for k, hv := range ws.h[len(ws.h)-1] {
		x += m.wh.v[k] * hv
	}
	return x
}

// backward propagates dLoss/dlogit = d for the sample last passed to forward with ws; all
// gradients accumulate until flushDense.
func (m *NCF) backward(ws *ncfWork, u, i int, d float32) {
	G, M, _ := m.sizes()
	m.bo.g[0] += d
	ws.tmp[0] = d
	m.bi.accumulate(i, ws.tmp[:])
	pu, qi := m.p.v[u*G:(u+1)*G], m.q.v[i*G:(i+1)*G]
	for k := range ws.g {
		m.wg.g[k] += d * ws.g[k]
		dg := d * m.wg.v[k]
		ws.dp[k] = dg * qi[k]
		ws.dq[k] = dg * pu[k]
	}
	if M > 0 {
		L := len(m.w)
		top := ws.h[L]
		for k, hv := range top {
			m.wh.g[k] += d * hv
			ws.dh[L][k] = d * m.wh.v[k]
		}
		for l := L - 1; l >= 0; l-- {
			in, out, din, dout := ws.h[l], ws.h[l+1], ws.dh[l], ws.dh[l+1]
			clear(din)
			w, gw, gb := m.w[l].v, m.w[l].g, m.b[l].g
			for r := range out {
				if out[r] <= 0 {
					continue
				}
				dz := dout[r]
				gb[r] += dz
				wr, gr := w[r*len(in):(r+1)*len(in)], gw[r*len(in):(r+1)*len(in)]
				for c, hv := range in {
					gr[c] += dz * hv
					din[c] += wr[c] * dz
				}
			}
		}
		m.pm.accumulate(u, ws.dh[0][:M])
		m.qm.accumulate(i, ws.dh[0][M:])
	}
	m.p.accumulate(u, ws.dp)
	m.q.accumulate(i, ws.dq)
}

// flushDense applies the batch's gradients (dense layers averaged over its n samples,
// embedding rows summed, with L2 reg on them) and advances the optimiser step.
func (m *NCF) flushDense(opt *ncfOpt, n int, reg float32) {
	for _, p := range []*ncfParam{&m.p, &m.q, &m.pm, &m.qm} {
		if p.width > 0 {
			opt.flushRows(p, reg)
		}
	}
	opt.flushRows(&m.bi, 0)
	for l := range m.w {
		opt.flush(&m.w[l], n)
		opt.flush(&m.b[l], n)
	}
	opt.flush(&m.wg, n)
	opt.flush(&m.wh, n)
	opt.flush(&m.bo, n)
	opt.step()
}

// cacheItems precomputes the item half of the first MLP layer for Score.
func (m *NCF) cacheItems() {
	_, M, L := m.sizes()
	if M == 0 {
		m.itemL1 = nil
		return
	}
	l1 := L[0]
	m.itemL1 = make([]float32, m.ni*l1)
	w := m.w[0].v
	for i := 0; i < m.ni; i++ {
		qi := m.qm.v[i*M : (i+1)*M]
		for r := 0; r < l1; r++ {
			s := float32(0)
			for c, qv := range qi {
				s += w[r*2*M+M+c] * qv
			}
			m.itemL1[i*l1+r] = s
		}
	}
}

// Score writes the NeuMF logit of every item for known user u. Unknown users (u < 0 or
// beyond the training users) get the learned item bias: no fold-in.
func (m *NCF) Score(u int, items []int32, weights []float32, dst []float32) {
	if len(dst) < m.ni || m.ni == 0 {
		return
	}
	if u < 0 || u >= m.nu {
		copy(dst, m.bi.v)
		return
	}
	G, M, L := m.sizes()
	gw := make([]float32, G)
	for k := range gw {
		gw[k] = m.wg.v[k] * m.p.v[u*G+k]
	}
	var ua []float32
	var hs [][]float32
	if M > 0 {
		ua = make([]float32, L[0])
		pu, w := m.pm.v[u*M:(u+1)*M], m.w[0].v
		for r := range ua {
			s := m.b[0].v[r]
			for c, pv := range pu {
				s += w[r*2*M+c] * pv
			}
			ua[r] = s
		}
		for _, n := range L {
			hs = append(hs, make([]float32, n))
		}
	}
	for i := 0; i < m.ni; i++ {
		x := m.bo.v[0] + m.bi.v[i]
		qi := m.q.v[i*G : (i+1)*G]
		for k, g := range gw {
			x += g * qi[k]
		}
		if M > 0 {
			h := hs[0]
			c := m.itemL1[i*L[0] : (i+1)*L[0]]
			for r := range h {
				h[r] = max(ua[r]+c[r], 0)
			}
			for l := 1; l < len(L); l++ {
				in, out := hs[l-1], hs[l]
				w, b := m.w[l].v, m.b[l].v
				for r := range out {
					s := b[r]
					wr := w[r*len(in) : (r+1)*len(in)]
					for c, hv := range in {
						s += wr[c] * hv
					}
					out[r] = max(s, 0)
				}
			}
			for k, hv := range hs[len(hs)-1] {
				x += m.wh.v[k] * hv
			}
		}
		dst[i] = x
	}
}
