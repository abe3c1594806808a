package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/heed-ml/heed/asm"
	"github.com/heed-ml/heed/autodiff"
)

// updateWithKernels is the Adam update as a sequence of elementwise asm
// kernels plus a scalar square-root loop, the form Adam used before the
// fused asm.AdamUpdate. It stays here as an independent implementation for
// the agreement test and as the baseline of BenchmarkAdamUpdate. Unlike
// asm.AdamUpdate it flushes no subnormal moment to zero.
func updateWithKernels(c *asm.AdamStep, p, g, m, v, scratch []float32) {
	asm.ScalUnitary(c.Decay, p)
	copy(scratch, g)
	if c.L2 != 0 {
		asm.AxpyUnitary(c.L2, p, scratch)
	}
	asm.ScalUnitary(c.Beta1, m)
	asm.AxpyUnitary(c.OneMinusBeta1, scratch, m)
	asm.MulTo(scratch, scratch, scratch)
	asm.ScalUnitary(c.Beta2, v)
	asm.AxpyUnitary(c.OneMinusBeta2, scratch, v)
	for j, vj := range v {
		scratch[j] = float32(math.Sqrt(float64(vj)))*c.InvSqrtCorr2 + c.Eps
	}
	asm.DivTo(scratch, m, scratch)
	asm.AxpyUnitary(-c.StepSize, scratch, p)
}

func testAdamStep(l2, decay float32) *asm.AdamStep {
	return &asm.AdamStep{
		Beta1: 0.9, OneMinusBeta1: 0.1, Beta2: 0.999, OneMinusBeta2: 0.001,
		Eps: 1e-8, Decay: decay, L2: l2, StepSize: 1e-3 / 0.1, InvSqrtCorr2: 1 / float32(math.Sqrt(0.001)),
	}
}

func TestAdamUpdateMatchesKernels(t *testing.T) {
	for _, tc := range []struct {
		name      string
		l2, decay float32
	}{{"plain", 0, 1}, {"l2", 0.1, 1}, {"decoupled", 0, 0.999}} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			const n = 1000
			p1, g, m1, v1 := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
			for i := range p1 {
				p1[i] = rng.Float32()*2 - 1
				m1[i] = rng.Float32()*0.2 - 0.1
				v1[i] = rng.Float32() * 0.01
				g[i] = rng.Float32()*2 - 1
			}
			p2, m2, v2 := append([]float32(nil), p1...), append([]float32(nil), m1...), append([]float32(nil), v1...)
			c := testAdamStep(tc.l2, tc.decay)
			asm.AdamUpdate(c, p1, g, m1, v1)
			updateWithKernels(c, p2, g, m2, v2, make([]float32, n))
			for i := range p1 {
				if d := math.Abs(float64(p1[i] - p2[i])); d > 1e-6 {
					t.Fatalf("p[%d] = %v fused, %v with kernels", i, p1[i], p2[i])
				}
				if d := math.Abs(float64(m1[i] - m2[i])); d > 1e-7 {
					t.Fatalf("m[%d] = %v fused, %v with kernels", i, m1[i], m2[i])
				}
				if d := math.Abs(float64(v1[i] - v2[i])); d > 1e-9 {
					t.Fatalf("v[%d] = %v fused, %v with kernels", i, v1[i], v2[i])
				}
			}
		})
	}
}

// TestAdamFlushesSubnormalMoments drives a parameter with zero gradients
// until its first moment would be subnormal, as a dead ReLU unit's is.
func TestAdamFlushesSubnormalMoments(t *testing.T) {
	p := paramWithGrad(t, []float32{1}, []float32{1})
	opt := NewAdam([]*autodiff.Value{p}, 1e-3)
	opt.Step()
	p.ZeroGrad()
	// 0.1·0.9ⁿ falls below 2⁻¹²⁶ after about 810 steps.
	for range 900 {
		opt.Step()
	}
	if m := opt.m[0][0]; m != 0 {
		t.Errorf("first moment %g after 900 zero gradients, want 0 (subnormal flushed)", m)
	}
	if v := opt.v[0][0]; v == 0 {
		t.Errorf("second moment is 0 after 900 steps, want the normal value 0.001·0.999⁹⁰⁰")
	}
}

// BenchmarkAdamUpdate compares the fused kernel, its plain-Go twin and the
// kernel sequence on the 101 770 parameters of the 784-128-10 MLP. In the
// "dead" cases the gradient and moments of about 45 of every 128 columns
// are zero, the pattern that dead ReLU units leave in the first layer's
// weight.
func BenchmarkAdamUpdate(b *testing.B) {
	const n = 101770
	impls := []struct {
		name   string
		update func(c *asm.AdamStep, p, g, m, v, scratch []float32)
	}{
		{"fused", func(c *asm.AdamStep, p, g, m, v, _ []float32) { asm.AdamUpdate(c, p, g, m, v) }},
		{"generic", func(c *asm.AdamStep, p, g, m, v, _ []float32) { asm.AdamUpdateGeneric(c, p, g, m, v) }},
		{"kernels", updateWithKernels},
	}
	for _, dead := range []bool{false, true} {
		for _, impl := range impls {
			name := impl.name + map[bool]string{false: "/live", true: "/dead"}[dead]
			b.Run(name, func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				p, g, m, v, scratch := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
				for i := range p {
					p[i] = rng.Float32()
					g[i] = rng.Float32() * 1e-2
					v[i] = g[i] * g[i]
				}
				if dead {
					var deadColumn [128]bool
					for c := range deadColumn {
						deadColumn[c] = rng.IntN(128) < 45
					}
					for i := range g {
						if deadColumn[i%128] {
							g[i], m[i], v[i] = 0, 0, 0
						}
					}
				}
				c := testAdamStep(0, 1)
				b.SetBytes(4 * 4 * n)
				for b.Loop() {
					impl.update(c, p, g, m, v, scratch)
				}
			})
		}
	}
}
