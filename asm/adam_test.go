package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestAdamUpdateMatchesGeneric(t *testing.T) {
	lengths, offsets := sweep()
	if !testing.Short() && !raceEnabled {
		lengths = lengths[:300] // every tail and unroll path, without the full sweep's cost
		lengths = append(lengths, 1000, 2047, 2048)
	}
	steps := []AdamStep{
		{Beta1: 0.9, OneMinusBeta1: 0.1, Beta2: 0.999, OneMinusBeta2: 0.001, Eps: 1e-8, Decay: 1, StepSize: 1e-3 / 0.1, InvSqrtCorr2: 1 / float32(math.Sqrt(0.001))},
		{Beta1: 0.8, OneMinusBeta1: 0.2, Beta2: 0.99, OneMinusBeta2: 0.01, Eps: 1e-6, Decay: 0.999, L2: 0.01, StepSize: 3e-4, InvSqrtCorr2: 2.5},
	}
	forEachTier(t, func(t *testing.T, tier Tier) {
		r := rand.New(rand.NewPCG(21, 22))
		for si := range steps {
			c := &steps[si]
			for _, n := range lengths {
				for _, off := range offsets {
					p, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
					fillMixed(r, p, 1)
					fillMixed(r, g, 1e-3)
					fillUniform(r, m, 1e-3)
					for i := range v {
						v[i] = r.Float32() * 1e-6
						switch r.IntN(10) {
						case 0:
							g[i] = 0 // a dead unit: its moments decay toward subnormals
							m[i] = 1e-39
							v[i] = 2e-40
						case 1:
							m[i] = float32(math.Copysign(0, -1))
						}
					}
					wp, wg, wm, wv := clone(p), clone(g), clone(m), clone(v)
					AdamUpdateGeneric(c, wp, wg, wm, wv)

					gp := newGuarded(n, off)
					copy(gp.s, p)
					gm, gv := clone(m), clone(v)
					AdamUpdate(c, gp.s, g, gm, gv)
					gp.check(t, "AdamUpdate p")
					what := describe("AdamUpdate", n, off)
					for i := range p {
						if !same(gp.s[i], wp[i]) || !same(gm[i], wm[i]) || !same(gv[i], wv[i]) {
							t.Fatalf("%s step %d: element %d: p %v m %v v %v, want %v %v %v (inputs p=%v g=%v m=%v v=%v)",
								what, si, i, gp.s[i], gm[i], gv[i], wp[i], wm[i], wv[i], p[i], g[i], m[i], v[i])
						}
					}
					if !equalBits(g, wg) {
						t.Fatalf("%s: the gradient changed", what)
					}
				}
			}
		}
	})
}

func TestAdamUpdateFlushesSubnormals(t *testing.T) {
	c := &AdamStep{Beta1: 0.9, OneMinusBeta1: 0.1, Beta2: 0.999, OneMinusBeta2: 0.001, Eps: 1e-8, Decay: 1, StepSize: 1e-3, InvSqrtCorr2: 1}
	forEachTier(t, func(t *testing.T, tier Tier) {
		p, g := []float32{1, 1, 1}, []float32{0, 0, 0}
		m := []float32{1.2e-38, math.SmallestNonzeroFloat32, float32(math.Copysign(0, -1))}
		v := []float32{1e-39, 0, 1}
		AdamUpdate(c, p, g, m, v)
		for i, x := range m {
			if math.Float32bits(x) != 0 {
				t.Errorf("m[%d] = %v (bits %#x), want +0", i, x, math.Float32bits(x))
			}
		}
		if math.Float32bits(v[0]) != 0 || math.Float32bits(v[1]) != 0 {
			t.Errorf("v = %v, want the first two flushed to +0", v)
		}
	})
}

func TestAdamUpdateLengthMismatchPanics(t *testing.T) {
	defer func() {
		if msg, _ := recover().(string); msg == "" {
			t.Fatal("AdamUpdate with mismatched lengths did not panic")
		}
	}()
	AdamUpdate(&AdamStep{}, make([]float32, 3), make([]float32, 3), make([]float32, 2), make([]float32, 3))
}

func clone(x []float32) []float32 { return append([]float32(nil), x...) }
