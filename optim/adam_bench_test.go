package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/heed-ml/heed/asm"
)

// updateWithKernels is the Adam update as a sequence of asm kernels plus a
// scalar square-root loop, the form adamStep.update replaced. It stays here
// as a second, independent implementation for the agreement test and as
// the baseline of BenchmarkAdamUpdate. It flushes nothing to zero.
func (h adamStep) updateWithKernels(p, g, m, v, scratch []float32) {
	asm.ScalUnitary(h.decay, p)
	copy(scratch, g)
	if h.l2 != 0 {
		asm.AxpyUnitary(h.l2, p, scratch)
	}
	asm.ScalUnitary(h.beta1, m)
	asm.AxpyUnitary(h.oneMinusBeta1, scratch, m)
	asm.MulTo(scratch, scratch, scratch)
	asm.ScalUnitary(h.beta2, v)
	asm.AxpyUnitary(h.oneMinusBeta2, scratch, v)
	for j, vj := range v {
		scratch[j] = float32(math.Sqrt(float64(vj)))*h.invSqrtCorr2 + h.eps
	}
	asm.DivTo(scratch, m, scratch)
	asm.AxpyUnitary(-h.stepSize, scratch, p)
}

func testAdamStep(l2, decay float32) adamStep {
	return adamStep{
		beta1: 0.9, oneMinusBeta1: 0.1, beta2: 0.999, oneMinusBeta2: 0.001,
		eps: 1e-8, decay: decay, l2: l2, stepSize: 1e-3 / 0.1, invSqrtCorr2: 1 / float32(math.Sqrt(0.001)),
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
			h := testAdamStep(tc.l2, tc.decay)
			h.update(p1, g, m1, v1)
			h.updateWithKernels(p2, g, m2, v2, make([]float32, n))
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

func TestAdamUpdateFlushesSubnormalMoments(t *testing.T) {
	tiny := float32(math.SmallestNonzeroFloat32) * 1000
	p, g := []float32{1, 1}, []float32{0, 0}
	m, v := []float32{1.2e-38, 1}, []float32{tiny, 1}
	testAdamStep(0, 1).update(p, g, m, v)
	if m[0] != 0 {
		t.Errorf("m[0] = %g after decaying from 1.2e-38, want 0 (subnormal flushed)", m[0])
	}
	if v[0] != 0 {
		t.Errorf("v[0] = %g after decaying from %g, want 0 (subnormal flushed)", v[0], tiny)
	}
	if m[1] != 0.9 || v[1] != 0.999 {
		t.Errorf("normal moments m, v = %v, %v; want 0.9, 0.999", m[1], v[1])
	}
	if p[0] != 1 {
		t.Errorf("p[0] = %v, want 1: a flushed moment must not move the parameter", p[0])
	}
}

// BenchmarkAdamUpdate compares the fused loop against the kernel sequence
// on the 101 770 parameters of the 784-128-10 MLP. In the "dead" cases
// the gradient and moments of about 45 of every 128 columns are zero, the
// pattern that dead ReLU units leave in the first layer's weight.
func BenchmarkAdamUpdate(b *testing.B) {
	const n = 101770
	for _, dead := range []bool{false, true} {
		for _, fused := range []bool{true, false} {
			name := map[bool]string{true: "fused", false: "kernels"}[fused]
			name += map[bool]string{false: "/live", true: "/dead"}[dead]
			b.Run(name, func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				p, g, m, v, scratch := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
				for i := range p {
					p[i] = rng.Float32()
					g[i] = rng.Float32() * 1e-2
					v[i] = g[i] * g[i]
				}
				h := testAdamStep(0, 1)
				b.SetBytes(4 * 4 * n)
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
				for b.Loop() {
					if fused {
						h.update(p, g, m, v)
					} else {
						h.updateWithKernels(p, g, m, v, scratch)
					}
				}
			})
		}
	}
}
