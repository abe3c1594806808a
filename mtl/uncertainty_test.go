package mtl

import (
	"math"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

// TestUncertaintyWorkedExample checks one step by hand. A shared scalar p = 1
// gives L₁ = 2p = 2 and L₂ = 3p = 3, with log variances s = (0, ln 2):
//
//	weights exp(−s)    = (1, 0.5)
//	total              = 1·2 + 0 + 0.5·3 + ln 2 = 3.5 + 0.693147 = 4.193147
//	∂total/∂p          = 1·2 + 0.5·3 = 3.5
//	∂total/∂sₜ         = 1 − exp(−sₜ)·Lₜ = (1 − 2, 1 − 1.5) = (−1, −0.5)
//
// Adam's first step moves each sₜ by lr·g/(|g| + ε) against its gradient,
// which is +lr = +0.1 for both, so s becomes (0.1, ln 2 + 0.1) and the
// weights exp(−s) become (e^−0.1, 0.5·e^−0.1) = (0.904837, 0.452419).
func TestUncertaintyWorkedExample(t *testing.T) {
	p := autodiff.Param(tensor.Scalar(1))
	l1 := autodiff.MulScalar(p, 2)
	l2 := autodiff.MulScalar(p, 3)
	tasks := []*Task{{Name: "a"}, {Name: "b"}}

	u := NewUncertainty(0)
	u.Start(tasks, 0.1)
	u.logVars[1].Data().Data()[0] = float32(math.Ln2)
	checkValuesNear(t, "weights before the step", u.Weights(), []float64{1, 0.5})

	total := u.Backward(tasks, []*autodiff.Value{l1, l2}, nil)
	if math.Abs(total-4.193147) > 1e-5 {
		t.Errorf("total = %v, want 4.193147", total)
	}
	if got := float64(p.Grad().Item()); math.Abs(got-3.5) > 1e-5 {
		t.Errorf("∂total/∂p = %v, want 3.5", got)
	}
	grads := []float64{float64(u.logVars[0].Grad().Item()), float64(u.logVars[1].Grad().Item())}
	checkValuesNear(t, "∂total/∂s", grads, []float64{-1, -0.5})
	logVars := []float64{float64(u.logVars[0].Item()), float64(u.logVars[1].Item())}
	checkValuesNear(t, "s after the step", logVars, []float64{0.1, math.Ln2 + 0.1})
	checkValuesNear(t, "weights after the step", u.Weights(), []float64{0.904837, 0.452419})
}

// checkValuesNear fails unless got and want have the same length and agree
// within 1e-5 element by element.
func checkValuesNear(t *testing.T, name string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s = %v, want %v", name, got, want)
		return
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-5 {
			t.Errorf("%s = %v, want %v", name, got, want)
			return
		}
	}
}

// TestUncertaintyLearningRate checks which rate the log variances use: the
// constructor's when it is set, otherwise the one given to Start. One Adam
// step moves s₁ = 0 by the rate, since its gradient 1 − L₁ is −1.
func TestUncertaintyLearningRate(t *testing.T) {
	for _, c := range []struct {
		ctorLR, startLR, want float64
	}{
		{0, 0.1, 0.1},
		{0.5, 0.1, 0.5},
	} {
		p := autodiff.Param(tensor.Scalar(1))
		tasks := []*Task{{Name: "a"}}
		u := NewUncertainty(c.ctorLR)
		u.Start(tasks, c.startLR)
		u.Backward(tasks, []*autodiff.Value{autodiff.MulScalar(p, 2)}, nil)
		if got := float64(u.logVars[0].Item()); math.Abs(got-c.want) > 1e-5 {
			t.Errorf("NewUncertainty(%v) started with lr %v: s = %v after one step, want %v", c.ctorLR, c.startLR, got, c.want)
		}
	}
}

// TestUncertaintyZeroesOwnGrads checks that the gradient of s is that of
// the current step alone, although Fit zeroes only the model's parameters.
func TestUncertaintyZeroesOwnGrads(t *testing.T) {
	p := autodiff.Param(tensor.Scalar(1))
	tasks := []*Task{{Name: "a"}}
	u := NewUncertainty(1e-6)
	u.Start(tasks, 0)
	for range 3 {
		u.Backward(tasks, []*autodiff.Value{autodiff.MulScalar(p, 2)}, nil)
	}
	// s stays near 0 with so small a rate, so ∂total/∂s ≈ 1 − 2 = −1, not
	// the −3 that three accumulated steps would give.
	if got := float64(u.logVars[0].Grad().Item()); math.Abs(got+1) > 1e-4 {
		t.Errorf("∂total/∂s = %v after three steps, want about −1", got)
	}
}

func TestUncertaintyTrainsToyModel(t *testing.T) {
	h := fitToyWith(t, NewUncertainty(0), 5)
	for _, key := range []string{"val_a_accuracy", "val_b_accuracy"} {
		if acc := h.Last(key); acc < 0.9 {
			t.Errorf("%s = %v after 8 epochs, want ≥ 0.9", key, acc)
		}
	}
	for _, key := range []string{"a_weight", "b_weight"} {
		weights := h.Values[key]
		if len(weights) != 8 {
			t.Fatalf("history %q has %d entries, want one per epoch (8)", key, len(weights))
		}
		for _, w := range weights {
			if !(w > 0) || math.IsInf(w, 0) {
				t.Errorf("history %q = %v, want positive finite weights", key, weights)
				break
			}
		}
		// Both losses fall below 1, where the optimum s = ln L is
		// negative, so the weights grow past their starting value of 1.
		if last := h.Last(key); last <= 1 {
			t.Errorf("%s = %v after 8 epochs, want it to have grown past 1", key, last)
		}
	}
}

func TestUncertaintyStartResetsState(t *testing.T) {
	u := NewUncertainty(0)
	h1 := fitToyWith(t, u, 9)
	h2 := fitToyWith(t, u, 9)
	checkSameHistory(t, h1, h2)
}

func TestUncertaintyRejectsBadUse(t *testing.T) {
	p := autodiff.Param(tensor.Scalar(1))
	loss := autodiff.MulScalar(p, 2)
	two := []*Task{{Name: "a"}, {Name: "b"}}
	three := []*Task{{Name: "a"}, {Name: "b"}, {Name: "c"}}

	panicsWith(t, "before Start", func() {
		NewUncertainty(0).Backward(two, []*autodiff.Value{loss, loss}, nil)
	})

	u := NewUncertainty(0)
	u.Start(two, 0.1)
	panicsWith(t, "mtl.Uncertainty: 1 losses for 2 tasks", func() {
		u.Backward(two, []*autodiff.Value{loss}, nil)
	})
	panicsWith(t, "3 losses for 3 tasks, started with 2 tasks", func() {
		u.Backward(three, []*autodiff.Value{loss, loss, loss}, nil)
	})
}

func TestNewUncertaintyRejectsBadLR(t *testing.T) {
	for _, lr := range []float64{-0.1, math.NaN(), math.Inf(1)} {
		panicsWith(t, "mtl.NewUncertainty: learning rate", func() { NewUncertainty(lr) })
	}
}
