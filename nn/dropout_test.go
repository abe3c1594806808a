package nn

import (
	"math"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

func TestDropoutEvalIsIdentity(t *testing.T) {
	d := NewDropout(0.5, denseRNG(1))
	if !d.Training() {
		t.Fatal("a new Dropout must start in training mode")
	}
	d.SetTraining(false)
	x := autodiff.Param(denseRand(2, -1, 1, 4, 6))
	if y := d.Forward(x); y != x {
		t.Errorf("eval-mode Forward returned %v, want its input unchanged", y)
	}

	// SetTraining through the package function reaches it too.
	SetTraining(d, true)
	if !d.Training() {
		t.Error("nn.SetTraining(d, true) did not switch Dropout to training")
	}
}

func TestDropoutZeroPIsIdentity(t *testing.T) {
	d := NewDropout(0, denseRNG(1))
	x := autodiff.Const(tensor.Ones(10))
	if y := d.Forward(x); y != x {
		t.Error("p = 0 must return the input unchanged")
	}
}

func TestDropoutKeepsExpectation(t *testing.T) {
	// With p = 0.3 each output is 0 with probability 0.3 and 1/0.7 with
	// probability 0.7, so its mean is 1 and its standard deviation
	// √(0.3/0.7) ≈ 0.655. Over n = 100 000 elements the sample mean has
	// standard error 0.655/√n ≈ 0.0021 and the dropped fraction 0.0014;
	// both tolerances are about 5 standard errors.
	const n, p = 100000, 0.3
	d := NewDropout(p, denseRNG(3))
	y := d.Forward(autodiff.Const(tensor.Ones(n))).Data().Data()
	var sum float64
	zeros := 0
	for _, v := range y {
		sum += float64(v)
		switch {
		case v == 0:
			zeros++
		case math.Abs(float64(v)-1/(1-p)) > 1e-6:
			t.Fatalf("kept element is %v, want 1/(1−p) = %v", v, 1/(1-p))
		}
	}
	if mean := sum / n; math.Abs(mean-1) > 0.01 {
		t.Errorf("mean %v, want 1 ± 0.01", mean)
	}
	if frac := float64(zeros) / n; math.Abs(frac-p) > 0.007 {
		t.Errorf("dropped fraction %v, want %v ± 0.007", frac, p)
	}
}

func TestDropoutMasksAreSeeded(t *testing.T) {
	x := autodiff.Const(denseRand(4, 1, 2, 50))
	a := NewDropout(0.5, denseRNG(7)).Forward(x).Data().Data()
	b := NewDropout(0.5, denseRNG(7)).Forward(x).Data().Data()
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("same seed, element %d: %v and %v", i, a[i], b[i])
		}
	}
	// Successive calls draw fresh masks.
	d := NewDropout(0.5, denseRNG(7))
	first := d.Forward(x).Data().Data()
	second := d.Forward(x).Data().Data()
	same := true
	for i := range first {
		same = same && (first[i] == 0) == (second[i] == 0)
	}
	if same {
		t.Error("two training calls used the same mask")
	}
}

func TestDropoutGradient(t *testing.T) {
	// The gradient flows only through kept elements, scaled by 1/(1−p).
	d := NewDropout(0.5, denseRNG(9))
	x := autodiff.Param(denseRand(5, 1, 2, 40))
	y := d.Forward(x)
	autodiff.SumAll(y).Backward()
	yd, gd := y.Data().Data(), x.Grad().Data()
	for i := range yd {
		want := float32(2)
		if yd[i] == 0 {
			want = 0
		}
		if gd[i] != want {
			t.Fatalf("grad[%d] = %v with output %v, want %v", i, gd[i], yd[i], want)
		}
	}
}

func TestDropoutGradCheck(t *testing.T) {
	// Training mode with a fixed mask, so that every evaluation of the
	// central difference computes the same function.
	mask := []float32{0, 2, 2, 0, 2, 2, 2, 0, 2, 0, 2, 2}
	f := func(xs []*autodiff.Value) *autodiff.Value { return applyMask(xs[0], mask) }
	if err := autodiff.GradCheck(f, []*tensor.Tensor{denseRand(10, -1, 1, 3, 4)}, nil); err != nil {
		t.Errorf("fixed mask: %v", err)
	}

	// Evaluation mode.
	d := NewDropout(0.5, denseRNG(11))
	d.SetTraining(false)
	g := func(xs []*autodiff.Value) *autodiff.Value { return d.Forward(xs[0]) }
	if err := autodiff.GradCheck(g, []*tensor.Tensor{denseRand(12, -1, 1, 3, 4)}, nil); err != nil {
		t.Errorf("eval mode: %v", err)
	}
}

func TestDropoutRejectsBadInput(t *testing.T) {
	for _, p := range []float64{1, -0.1, 1.5, math.NaN()} {
		denseExpectPanic(t, "p", func() { NewDropout(p, denseRNG(1)) }, "nn.NewDropout", "[0, 1)")
	}
	denseExpectPanic(t, "nil rng", func() { NewDropout(0.5, nil) }, "nil *rand.Rand")
	denseExpectPanic(t, "mask length", func() { applyMask(autodiff.Const(tensor.Zeros(3)), []float32{1}) }, "mask has 1 elements", "[3]")
}
