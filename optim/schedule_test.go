package optim

import (
	"math"
	"testing"

	"github.com/heed-ml/heed/autodiff"
)

func TestStepLRValues(t *testing.T) {
	// lr = 0.1·0.5^⌊step/3⌋: steps 0–2 give 0.1, 3–5 give 0.05, 6 gives
	// 0.025 and 9 gives 0.0125.
	s := NewStepLR(0.1, 3, 0.5)
	want := map[int]float64{0: 0.1, 1: 0.1, 2: 0.1, 3: 0.05, 5: 0.05, 6: 0.025, 9: 0.0125}
	for step, w := range want {
		if got := s.LR(step); math.Abs(got-w) > 1e-15 {
			t.Errorf("StepLR.LR(%d) = %v, want %v", step, got, w)
		}
	}
}

func TestCosineLRValues(t *testing.T) {
	// Base 1, Min 0, T = 4: lr = (1 + cos(π·step/4))/2, so
	//   step 0: (1 + 1)/2 = 1
	//   step 1: (1 + √2/2)/2 = 0.8535533905932737
	//   step 2: (1 + 0)/2 = 0.5
	//   step 3: (1 − √2/2)/2 = 0.14644660940672624
	//   step 4 and later: 0
	s := NewCosineLR(1, 0, 4)
	want := []float64{1, 0.8535533905932737, 0.5, 0.14644660940672624, 0, 0}
	for step, w := range want {
		if got := s.LR(step); math.Abs(got-w) > 1e-12 {
			t.Errorf("CosineLR.LR(%d) = %v, want %v", step, got, w)
		}
	}
	if got := s.LR(100); got != 0 {
		t.Errorf("CosineLR.LR(100) = %v, want Min = 0", got)
	}

	// With Min = 0.1 the curve is rescaled: step 2 gives 0.1 + 0.9·0.5.
	m := NewCosineLR(1, 0.1, 4)
	if got := m.LR(2); math.Abs(got-0.55) > 1e-12 {
		t.Errorf("CosineLR{1, 0.1, 4}.LR(2) = %v, want 0.55", got)
	}
	if got := m.LR(4); got != 0.1 {
		t.Errorf("CosineLR{1, 0.1, 4}.LR(4) = %v, want 0.1", got)
	}
}

func TestScheduleDrivesOptimizer(t *testing.T) {
	p := paramWithGrad(t, []float32{0}, []float32{1})
	opt := NewSGD([]*autodiff.Value{p}, 1)
	var s Schedule = NewStepLR(1, 1, 0.5)
	// Steps with lr 1, 0.5, 0.25 move p by −1.75 in total.
	for step := range 3 {
		opt.SetLR(s.LR(step))
		opt.Step()
	}
	assertClose(t, "p", p.Data().Data(), []float64{-1.75}, 1e-7)
}

func TestScheduleRejectsBadInput(t *testing.T) {
	expectPanic(t, "step size 0", func() { NewStepLR(0.1, 0, 0.5) }, "step size 0")
	expectPanic(t, "gamma 0", func() { NewStepLR(0.1, 1, 0) }, "gamma")
	expectPanic(t, "gamma 2", func() { NewStepLR(0.1, 1, 2) }, "gamma")
	expectPanic(t, "negative base", func() { NewStepLR(-1, 1, 0.5) }, "learning rate")
	expectPanic(t, "min above base", func() { NewCosineLR(0.1, 0.2, 10) }, "minimum rate")
	expectPanic(t, "T 0", func() { NewCosineLR(0.1, 0, 0) }, "T = 0")
	expectPanic(t, "negative step", func() { NewCosineLR(0.1, 0, 5).LR(-1) }, "step -1")
	expectPanic(t, "zero StepLR", func() { StepLR{}.LR(0) }, "NewStepLR")
	expectPanic(t, "zero CosineLR", func() { CosineLR{}.LR(0) }, "NewCosineLR")
}
