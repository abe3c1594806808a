package mtl

import (
	"math"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

// dwaStep runs one DWA step whose task losses are lossA·p and lossB·p for a
// scalar parameter p = 1, and returns the total and ∂total/∂p.
func dwaStep(d *DWA, lossA, lossB float32) (total, grad float64) {
	p := autodiff.Param(tensor.Scalar(1))
	tasks := []*Task{{Name: "a"}, {Name: "b"}}
	losses := []*autodiff.Value{autodiff.MulScalar(p, lossA), autodiff.MulScalar(p, lossB)}
	total = d.Backward(tasks, losses, nil)
	return total, float64(p.Grad().Item())
}

// TestDWAWorkedExample checks DWA's weights by hand with T = 2 and K = 2.
//
//	epoch 0: steps (0.8, 2.0) and (1.2, 2.0), λ = (1, 1), L̄(0) = (1.0, 2.0)
//	epoch 1: steps (0.5, 1.6) and (0.5, 2.0), λ = (1, 1), L̄(1) = (0.5, 1.8)
//	epoch 2: w = (0.5/1.0, 1.8/2.0) = (0.5, 0.9)
//	         exp(w/2) = (e^0.25, e^0.45) = (1.2840254, 1.5683122), sum 2.8523376
//	         λ = 2·exp(w/2)/sum = (0.900332, 1.099668)
//
// A step of epoch 2 with losses (0.5, 1.5) then gives total = ∂total/∂p =
// 0.900332·0.5 + 1.099668·1.5 = 0.450166 + 1.649502 = 2.099668.
func TestDWAWorkedExample(t *testing.T) {
	d := NewDWA(DefaultDWATemperature)
	d.Start([]*Task{{Name: "a"}, {Name: "b"}}, 0.01)
	checkValuesNear(t, "weights of epoch 0", d.Weights(), []float64{1, 1})

	if total, grad := dwaStep(d, 0.8, 2.0); math.Abs(total-2.8) > 1e-5 || math.Abs(grad-2.8) > 1e-5 {
		t.Errorf("epoch 0 step: total %v and ∂total/∂p %v, want the plain sum 2.8", total, grad)
	}
	dwaStep(d, 1.2, 2.0)
	d.EndEpoch(0)
	checkValuesNear(t, "weights of epoch 1", d.Weights(), []float64{1, 1})

	dwaStep(d, 0.5, 1.6)
	dwaStep(d, 0.5, 2.0)
	d.EndEpoch(1)
	checkValuesNear(t, "weights of epoch 2", d.Weights(), []float64{0.900332, 1.099668})

	total, grad := dwaStep(d, 0.5, 1.5)
	if math.Abs(total-2.099668) > 1e-5 {
		t.Errorf("epoch 2 total = %v, want 2.099668", total)
	}
	if math.Abs(grad-2.099668) > 1e-5 {
		t.Errorf("epoch 2 ∂total/∂p = %v, want 2.099668", grad)
	}
}

// TestDWASmallTemperature uses the averages of the worked example with
// T = 0.001: w/T = (500, 900), so exp(w/T) overflows float64 unless the
// softmax is shifted, and λ ≈ (2·e^−400, 2) = (0, 2).
func TestDWASmallTemperature(t *testing.T) {
	d := NewDWA(0.001)
	d.Start([]*Task{{Name: "a"}, {Name: "b"}}, 0)
	dwaStep(d, 1.0, 2.0)
	d.EndEpoch(0)
	dwaStep(d, 0.5, 1.8)
	d.EndEpoch(1)
	checkValuesNear(t, "weights", d.Weights(), []float64{0, 2})
}

// TestDWAZeroAverageLoss: a task whose epoch-0 average is 0 has no finite
// ratio and gets w = 1. With w = (1, 0.9) and T = 2, λ = 2·(e^0.5,
// e^0.45)/(e^0.5 + e^0.45) = 2·(1.6487213, 1.5683122)/3.2170335 =
// (1.024995, 0.975005).
func TestDWAZeroAverageLoss(t *testing.T) {
	d := NewDWA(2)
	d.Start([]*Task{{Name: "a"}, {Name: "b"}}, 0)
	dwaStep(d, 0, 2.0)
	d.EndEpoch(0)
	dwaStep(d, 0.3, 1.8)
	d.EndEpoch(1)
	checkValuesNear(t, "weights", d.Weights(), []float64{1.024995, 0.975005})
}

// TestDWAEmptyEpoch checks that an epoch without steps adds no average:
// after one real epoch and one empty one, the weights are still 1.
func TestDWAEmptyEpoch(t *testing.T) {
	d := NewDWA(2)
	d.Start([]*Task{{Name: "a"}, {Name: "b"}}, 0)
	dwaStep(d, 1.0, 2.0)
	d.EndEpoch(0)
	d.EndEpoch(1)
	checkValuesNear(t, "weights", d.Weights(), []float64{1, 1})
}

func TestDWATrainsToyModel(t *testing.T) {
	h := fitToyWith(t, NewDWA(DefaultDWATemperature), 5)
	for _, key := range []string{"val_a_accuracy", "val_b_accuracy"} {
		if acc := h.Last(key); acc < 0.9 {
			t.Errorf("%s = %v after 8 epochs, want ≥ 0.9", key, acc)
		}
	}

	a, b := h.Values["a_weight"], h.Values["b_weight"]
	if len(a) != 8 || len(b) != 8 {
		t.Fatalf("a_weight has %d entries and b_weight %d, want one per epoch (8)", len(a), len(b))
	}
	for e := range 2 {
		if a[e] != 1 || b[e] != 1 {
			t.Errorf("epoch %d weights (%v, %v), want (1, 1) before two epochs of history", e, a[e], b[e])
		}
	}
	for e := range a {
		if math.Abs(a[e]+b[e]-2) > 1e-9 {
			t.Errorf("epoch %d weights (%v, %v) sum to %v, want K = 2", e, a[e], b[e], a[e]+b[e])
		}
	}
	if a[7] == 1 {
		t.Errorf("a_weight = %v, want DWA to have moved it from 1 by epoch 7", a)
	}
}

func TestDWAStartResetsState(t *testing.T) {
	d := NewDWA(DefaultDWATemperature)
	h1 := fitToyWith(t, d, 9)
	h2 := fitToyWith(t, d, 9)
	checkSameHistory(t, h1, h2)
}

func TestDWARejectsBadUse(t *testing.T) {
	p := autodiff.Param(tensor.Scalar(1))
	loss := autodiff.MulScalar(p, 2)
	two := []*Task{{Name: "a"}, {Name: "b"}}
	three := []*Task{{Name: "a"}, {Name: "b"}, {Name: "c"}}

	panicsWith(t, "before Start", func() {
		NewDWA(2).Backward(two, []*autodiff.Value{loss, loss}, nil)
	})

	d := NewDWA(2)
	d.Start(two, 0)
	panicsWith(t, "mtl.DWA: 1 losses for 2 tasks", func() {
		d.Backward(two, []*autodiff.Value{loss}, nil)
	})
	panicsWith(t, "3 losses for 3 tasks, started with 2 tasks", func() {
		d.Backward(three, []*autodiff.Value{loss, loss, loss}, nil)
	})
}

func TestNewDWARejectsBadTemperature(t *testing.T) {
	for _, temperature := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		panicsWith(t, "mtl.NewDWA: temperature", func() { NewDWA(temperature) })
	}
}
