package nn

import (
	"math"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

func TestCrossEntropyExtremeLogits(t *testing.T) {
	// Row 0: logits (1000, −1000), label 1. The log-sum-exp is
	// 1000 + log(1 + e⁻²⁰⁰⁰) = 1000 in any float precision, so the loss is
	// 1000 − (−1000) = 2000.
	// Row 1: logits (−1000, 1000), label 1: 1000 − 1000 = 0.
	// Row 2: logits (1000, 1000), label 0: 1000 + log 2 − 1000 = log 2.
	// Mean: (2000 + 0 + log 2)/3.
	logits := autodiff.Param(tensor.New([]int{3, 2}, []float32{1000, -1000, -1000, 1000, 1000, 1000}))
	loss := CrossEntropy(logits, []int{1, 1, 0})
	want := (2000 + math.Ln2) / 3
	if got := float64(loss.Item()); math.Abs(got-want) > 1e-4 || math.IsNaN(got) {
		t.Errorf("loss = %v, want %v", got, want)
	}

	// ∂loss/∂x = (softmax(x) − onehot(label))/3: softmax rows are (1, 0),
	// (0, 1) and (½, ½).
	loss.Backward()
	denseAssertClose(t, "grad", logits.Grad().Data(), []float64{1.0 / 3, -1.0 / 3, 0, 0, -0.5 / 3, 0.5 / 3}, 1e-7)
}

func TestCrossEntropyKnown(t *testing.T) {
	// Uniform logits over 4 classes: loss = log 4 for any label.
	loss := CrossEntropy(autodiff.Const(tensor.Zeros(2, 4)), []int{0, 3})
	if got := float64(loss.Item()); math.Abs(got-math.Log(4)) > 1e-6 {
		t.Errorf("loss = %v, want log 4 = %v", got, math.Log(4))
	}
}

func TestLossGradCheck(t *testing.T) {
	labels := []int{0, 2, 1, 2}
	targets01 := tensor.New([]int{2, 3}, []float32{0, 1, 0.3, 1, 0, 0.8})
	target := denseRand(13, -1, 1, 2, 3)
	cases := []struct {
		name string
		f    func(xs []*autodiff.Value) *autodiff.Value
		x    *tensor.Tensor
	}{
		{"CrossEntropy", func(xs []*autodiff.Value) *autodiff.Value { return CrossEntropy(xs[0], labels) }, denseRand(14, -3, 3, 4, 3)},
		{"BCEWithLogits", func(xs []*autodiff.Value) *autodiff.Value { return BCEWithLogits(xs[0], targets01) }, denseRand(15, -3, 3, 2, 3)},
		{"MSE", func(xs []*autodiff.Value) *autodiff.Value { return MSE(xs[0], target) }, denseRand(16, -1, 1, 2, 3)},
	}
	for _, tc := range cases {
		if err := autodiff.GradCheck(tc.f, []*tensor.Tensor{tc.x}, nil); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestBCEWithLogitsExtreme(t *testing.T) {
	// loss = max(x, 0) − x·t + log(1 + e^−|x|), with e⁻¹⁰⁰ ≈ 3.7e−44:
	//   x = 100,  t = 1: 100 − 100 + ≈0 = ≈0
	//   x = −100, t = 1: 0 + 100 + ≈0 = 100
	//   x = 100,  t = 0: 100 − 0 + ≈0 = 100
	//   x = −100, t = 0: 0 + 0 + ≈0 = ≈0
	// Mean: 200/4 = 50. The naive log(sigmoid(x)) would give log(0) = −Inf
	// for the second and third elements in float32.
	logits := autodiff.Param(tensor.FromSlice([]float32{100, -100, 100, -100}))
	loss := BCEWithLogits(logits, tensor.FromSlice([]float32{1, 1, 0, 0}))
	if got := loss.Item(); got != 50 {
		t.Errorf("loss = %v, want 50", got)
	}
	// ∂loss/∂x = (σ(x) − t)/4: (1−1)/4, (0−1)/4, (1−0)/4, (0−0)/4.
	loss.Backward()
	denseAssertClose(t, "grad", logits.Grad().Data(), []float64{0, -0.25, 0.25, 0}, 1e-7)
}

func TestMSEKnown(t *testing.T) {
	// pred − target = (0, 2, −2): mean of squares (0 + 4 + 4)/3 = 8/3;
	// ∂loss/∂pred = 2·(0, 2, −2)/3.
	pred := autodiff.Param(tensor.FromSlice([]float32{1, 2, 3}))
	loss := MSE(pred, tensor.FromSlice([]float32{1, 0, 5}))
	if got := float64(loss.Item()); math.Abs(got-8.0/3) > 1e-6 {
		t.Errorf("loss = %v, want 8/3", got)
	}
	loss.Backward()
	denseAssertClose(t, "grad", pred.Grad().Data(), []float64{0, 4.0 / 3, -4.0 / 3}, 1e-6)

	// A transposed target view is read in its logical order.
	p := autodiff.Const(tensor.New([]int{2, 2}, []float32{1, 3, 2, 4}))
	tt := tensor.New([]int{2, 2}, []float32{1, 2, 3, 4}).T()
	if got := MSE(p, tt).Item(); got != 0 {
		t.Errorf("MSE against transposed equal target = %v, want 0", got)
	}
}

func TestAccuracy(t *testing.T) {
	// Row 0 picks 1 (right), row 1 picks 0 (wrong), row 2 ties and picks
	// the lower index 0 (right): 2 of 3.
	logits := tensor.New([]int{3, 2}, []float32{0.1, 0.9, 0.8, 0.2, 0.5, 0.5})
	if got := Accuracy(logits, []int{1, 1, 0}); math.Abs(got-2.0/3) > 1e-12 {
		t.Errorf("Accuracy = %v, want 2/3", got)
	}
	if got := Accuracy(tensor.Zeros(0, 5), nil); got != 0 {
		t.Errorf("Accuracy of an empty batch = %v, want 0", got)
	}
}

func TestLossesRejectBadInput(t *testing.T) {
	x := autodiff.Const(tensor.Zeros(2, 3))
	denseExpectPanic(t, "CE label count", func() { CrossEntropy(x, []int{0}) }, "nn.CrossEntropy", "[2 3]", "1 labels")
	denseExpectPanic(t, "CE label range", func() { CrossEntropy(x, []int{0, 3}) }, "label 3 at row 1", "[0, 3)")
	denseExpectPanic(t, "CE negative label", func() { CrossEntropy(x, []int{-1, 0}) }, "label -1 at row 0")
	denseExpectPanic(t, "CE 1-D", func() { CrossEntropy(autodiff.Const(tensor.Zeros(3)), []int{0, 1, 2}) }, "nn.CrossEntropy")
	denseExpectPanic(t, "BCE shapes", func() { BCEWithLogits(x, tensor.Zeros(3, 2)) }, "nn.BCEWithLogits", "[2 3]", "[3 2]")
	denseExpectPanic(t, "MSE shapes", func() { MSE(x, tensor.Zeros(3)) }, "nn.MSE", "[2 3]", "[3]")
	denseExpectPanic(t, "Accuracy labels", func() { Accuracy(tensor.Zeros(2, 3), []int{1}) }, "nn.Accuracy", "1 labels")
}
