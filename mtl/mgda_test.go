package mtl

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

// TestMGDAWorkedExample uses shared gradients g₁ = (1, 0), g₂ = (−1, 1):
//
//	α₁ = (g₂ − g₁)·g₂ / ‖g₁ − g₂‖² = (−2, 1)·(−1, 1) / ‖(2, −1)‖² = 3/5 = 0.6
//	α₂ = 0.4
//	shared gradient = 0.6·(1, 0) + 0.4·(−1, 1) = (0.2, 0.4)
//
// It is the min-norm point: (0.2, 0.4)·g₁ = (0.2, 0.4)·g₂ = 0.2. The heads
// (gradients 2 and 3) are scaled too, to 0.6·2 = 1.2 and 0.4·3 = 1.2, and
// the loss is 0.6·1 + 0.4·2 = 1.4.
func TestMGDAWorkedExample(t *testing.T) {
	p := autodiff.Param(tensor.Zeros(2))
	h1, h2 := autodiff.Param(tensor.Zeros(1)), autodiff.Param(tensor.Zeros(1))
	losses := []*autodiff.Value{
		linearLoss(p, h1, []float32{1, 0}, []float32{2}, 1),
		linearLoss(p, h2, []float32{-1, 1}, []float32{3}, 2),
	}
	m := NewMGDA("none")
	total := m.Backward([]*Task{{Name: "a"}, {Name: "b"}}, losses, []*autodiff.Value{p})

	assertNear64(t, "α", m.Weights(), []float64{0.6, 0.4}, 1e-7)
	if math.Abs(total-1.4) > 1e-6 {
		t.Errorf("loss = %v, want 0.6·1 + 0.4·2 = 1.4", total)
	}
	assertNear(t, "shared gradient", p.Grad().Data(), []float64{0.2, 0.4}, 1e-6)
	assertNear(t, "head 1 gradient", h1.Grad().Data(), []float64{1.2}, 1e-6)
	assertNear(t, "head 2 gradient", h2.Grad().Data(), []float64{1.2}, 1e-6)
}

// TestMGDANormalizations solves for g₁ = (3, 0), g₂ = (−2, 2) with losses
// L₁ = 1, L₂ = 2, by α₁ = (bb − ab)/(aa + bb − 2ab) on the normalized
// gradients a and b:
//
//	none:  aa = 9, ab = −6, bb = 8:  α₁ = 14/29
//	l2:    unit vectors, aa = bb = 1, so α₁ = ½ whatever ab is
//	loss:  a = (3, 0), b = (−1, 1):  aa = 9, ab = −3, bb = 2:  α₁ = 5/17
//	loss+: a = (1, 0), b = (−1, 1)/(2√2):  aa = 1, ab = −1/(2√2), bb = ¼:
//	       α₁ = (¼ + 1/(2√2)) / (5/4 + 1/√2) = 0.3083906
func TestMGDANormalizations(t *testing.T) {
	cases := []struct {
		normalization string
		alpha1        float64
	}{
		{"none", 14.0 / 29},
		{"", 14.0 / 29},
		{"l2", 0.5},
		{"loss", 5.0 / 17},
		{"loss+", 0.3083906},
	}
	for _, c := range cases {
		p := autodiff.Param(tensor.Zeros(2))
		h := autodiff.Param(tensor.Zeros(1))
		losses := []*autodiff.Value{
			linearLoss(p, h, []float32{3, 0}, []float32{0}, 1),
			linearLoss(p, h, []float32{-2, 2}, []float32{0}, 2),
		}
		m := NewMGDA(c.normalization)
		m.Backward([]*Task{{Name: "a"}, {Name: "b"}}, losses, []*autodiff.Value{p})
		assertNear64(t, "α with normalization "+c.normalization, m.Weights(), []float64{c.alpha1, 1 - c.alpha1}, 1e-6)
		// α weights the raw losses: the gradient is α₁·(3, 0) + α₂·(−2, 2).
		a1, a2 := c.alpha1, 1-c.alpha1
		assertNear(t, "shared gradient with normalization "+c.normalization, p.Grad().Data(), []float64{3*a1 - 2*a2, 2 * a2}, 1e-5)
	}
}

// TestMinNormPair covers the clipped and degenerate two-vector cases:
//
//	a = (1, 0), b = (2, 0): (bb − ab)/(aa + bb − 2ab) = (4 − 2)/1 = 2, clipped to 1
//	a = (2, 0), b = (1, 0): (1 − 2)/1 = −1, clipped to 0
//	a = b = (1, 1): every point of the segment is the same, ½
//	a = b = 0: ½
func TestMinNormPair(t *testing.T) {
	cases := []struct {
		aa, ab, bb, want float64
	}{
		{1, 2, 4, 1},
		{4, 2, 1, 0},
		{2, 2, 2, 0.5},
		{0, 0, 0, 0.5},
		{1, -1, 2, 0.6},
	}
	for _, c := range cases {
		if got := minNormPair(c.aa, c.ab, c.bb); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("minNormPair(%v, %v, %v) = %v, want %v", c.aa, c.ab, c.bb, got, c.want)
		}
	}
}

// TestMinNormWeightsFrankWolfe: for g₁ = (1, 0), g₂ = (0, 1), g₃ = (2, 2)
// the hull's closest point to 0 is (½, ½) on the edge g₁g₂, so
// α = (½, ½, 0). By hand, with M = [[1 0 2] [0 1 2] [2 2 8]], from
// α = (⅓, ⅓, ⅓), the point d = (1, 1):
//
//	Mα = (1, 1, 4), ‖d‖² = αᵀMα = 2. Toward g₁ gains 2 − 1 = 1, away
//	from g₃ gains 4 − 2 = 2, so step away, u = α − e₃ = (⅓, ⅓, −⅔):
//	uᵀMα = 2 − 4 = −2, uᵀMu = 2 − 8 + 8 = 2, γ = min(2/2, ⅓/⅔) = ½,
//	α = (1 + ½)·α − ½·e₃ = (½, ½, 0).
//	Mα = (½, ½, 2), ‖d‖² = ½: the gap ½ − ½ = 0, done.
func TestMinNormWeightsFrankWolfe(t *testing.T) {
	got := minNormWeights(mgdaGram([][]float64{{1, 0}, {0, 1}, {2, 2}}))
	assertNear64(t, "α", got, []float64{0.5, 0.5, 0}, 1e-12)

	if got := minNormWeights([][]float64{{4}}); len(got) != 1 || got[0] != 1 {
		t.Errorf("one task: α = %v, want [1]", got)
	}
}

// TestMinNormWeightsIsOptimal checks the optimality condition on random
// gradients: at the min-norm point d = Σ αₜ·gₜ, no gradient has gₜ·d
// below ‖d‖², so no other point of the hull is closer to 0.
func TestMinNormWeightsIsOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for trial := range 20 {
		tasks := 3 + trial%4
		grads := make([][]float64, tasks)
		for i := range grads {
			grads[i] = make([]float64, 6)
			for k := range grads[i] {
				grads[i][k] = rng.NormFloat64()
			}
		}
		alpha := minNormWeights(mgdaGram(grads))

		sum := 0.0
		d := make([]float64, 6)
		for i, a := range alpha {
			if a < 0 {
				t.Fatalf("trial %d: negative weight in %v", trial, alpha)
			}
			sum += a
			for k, v := range grads[i] {
				d[k] += a * v
			}
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("trial %d: weights %v sum to %v, want 1", trial, alpha, sum)
		}
		dd := flatDot(d, d)
		for i, g := range grads {
			if gap := dd - flatDot(g, d); gap > 1e-8 {
				t.Errorf("trial %d: g%d·d is %g below ‖d‖² = %g; α = %v is not the min-norm point", trial, i, gap, dd, alpha)
			}
		}
	}
}

func TestMGDARejectsBadInput(t *testing.T) {
	panicsWith(t, `invalid normalization "L2"`, func() { NewMGDA("L2") })

	p := autodiff.Param(tensor.Zeros(1))
	loss := autodiff.SumAll(p)
	panicsWith(t, "MGDA: 1 losses for 2 tasks", func() {
		NewMGDA("none").Backward([]*Task{{Name: "a"}, {Name: "b"}}, []*autodiff.Value{loss}, []*autodiff.Value{p})
	})
}

func TestMGDATrainsToy(t *testing.T) {
	m := NewMGDA("none")
	h := fitToyWith(t, m, 5)
	checkToyAccuracy(t, h)
	if w := h.Values["a_weight"]; len(w) != 8 {
		t.Errorf("a_weight history %v, want one α per epoch", w)
	}
	if w := m.Weights(); math.Abs(w[0]+w[1]-1) > 1e-9 {
		t.Errorf("α = %v, want weights that sum to 1", w)
	}
}

func TestMGDAIsDeterministic(t *testing.T) {
	m := NewMGDA("l2")
	checkSameHistory(t, fitToyWith(t, m, 9), fitToyWith(t, m, 9))
}
