package mtl

import (
	"math"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

// gradNormStep builds two linear losses on a fresh shared weight W of
// shape [1, 2] and fresh heads, with ∇_W L₁ = (3, 4), ∇_W L₂ = (0, 1) and
// head gradients 2 and 3, and runs one GradNorm step on them.
func gradNormStep(g *GradNorm, l1, l2 float32) (total float64, w, h1, h2 *autodiff.Value) {
	w = autodiff.Param(tensor.Zeros(1, 2))
	bias := autodiff.Param(tensor.Zeros(2)) // rank 1: never the balanced layer
	h1, h2 = autodiff.Param(tensor.Zeros(1)), autodiff.Param(tensor.Zeros(1))
	losses := []*autodiff.Value{
		linearLoss(w, h1, []float32{3, 4}, []float32{2}, l1),
		linearLoss(w, h2, []float32{0, 1}, []float32{3}, l2),
	}
	total = g.Backward([]*Task{{Name: "a"}, {Name: "b"}}, losses, []*autodiff.Value{w, bias})
	return total, w, h1, h2
}

// TestGradNormWorkedExample runs two steps with α = 1.5 and a learning
// rate of 0.1 taken from Start. ‖∇_W L₁‖ = 5 and ‖∇_W L₂‖ = 1 throughout.
//
// Step 1, losses (2, 4), which become Lₜ(0); w = (1, 1):
//
//	model gradients: W 1·(3, 4) + 1·(0, 1) = (3, 5), heads 2 and 3; loss 6
//	G = (5, 1), Ḡ = 3; L̃ = (1, 1), r = (1, 1), target = (3, 3)
//	∂/∂w = (sign(5 − 3)·5, sign(1 − 3)·1) = (5, −1)
//	Adam, t = 1: m = 0.1·g, v = 0.001·g², m̂ = g, v̂ = g², so each weight
//	moves by 0.1·g/|g|: w = (0.9, 1.1), which sums to 2 already.
//
// Step 2, losses (2, 1); w = (0.9, 1.1):
//
//	model gradients: W 0.9·(3, 4) + 1.1·(0, 1) = (2.7, 4.7), heads 1.8 and
//	3.3; loss 0.9·2 + 1.1·1 = 2.9
//	G = (4.5, 1.1), Ḡ = 2.8; L̃ = (2/2, 1/4) = (1, 0.25), mean 0.625,
//	r = (1.6, 0.4); target = 2.8·(1.6^1.5, 0.4^1.5) = (5.6668, 0.7084)
//	∂/∂w = (sign(4.5 − 5.6668)·5, sign(1.1 − 0.7084)·1) = (−5, 1)
//	Adam, t = 2: m = 0.9·(0.5, −0.1) + 0.1·(−5, 1) = (−0.05, 0.01)
//	v = 0.999·(0.025, 0.001) + 0.001·(25, 1) = (0.049975, 0.001999)
//	m̂ = m/0.19 = (−0.2631579, 0.0526316), v̂ = v/0.001999 = (25, 1)
//	w = (0.9 + 0.1·0.2631579/5, 1.1 − 0.1·0.0526316/1)
//	  = (0.9052632, 1.0947368), which sums to 2 already.
func TestGradNormWorkedExample(t *testing.T) {
	g := NewGradNorm(1.5, 0)
	g.Start([]*Task{{Name: "a"}, {Name: "b"}}, 0.1)
	assertNear64(t, "initial weights", g.Weights(), []float64{1, 1}, 0)

	total, w, h1, h2 := gradNormStep(g, 2, 4)
	if math.Abs(total-6) > 1e-6 {
		t.Errorf("step 1: loss = %v, want 6", total)
	}
	assertNear(t, "step 1: W gradient", w.Grad().Data(), []float64{3, 5}, 1e-6)
	assertNear(t, "step 1: head 1 gradient", h1.Grad().Data(), []float64{2}, 1e-6)
	assertNear(t, "step 1: head 2 gradient", h2.Grad().Data(), []float64{3}, 1e-6)
	assertNear64(t, "step 1: weights", g.Weights(), []float64{0.9, 1.1}, 1e-6)

	total, w, h1, h2 = gradNormStep(g, 2, 1)
	if math.Abs(total-2.9) > 1e-6 {
		t.Errorf("step 2: loss = %v, want 2.9", total)
	}
	assertNear(t, "step 2: W gradient", w.Grad().Data(), []float64{2.7, 4.7}, 1e-6)
	assertNear(t, "step 2: head 1 gradient", h1.Grad().Data(), []float64{1.8}, 1e-6)
	assertNear(t, "step 2: head 2 gradient", h2.Grad().Data(), []float64{3.3}, 1e-6)
	assertNear64(t, "step 2: weights", g.Weights(), []float64{0.9052632, 1.0947368}, 1e-6)

	// Start clears the weights, Adam's state and the initial losses.
	g.Start([]*Task{{Name: "a"}, {Name: "b"}}, 0.1)
	assertNear64(t, "weights after Start", g.Weights(), []float64{1, 1}, 0)
	gradNormStep(g, 7, 7)
	assertNear64(t, "first weights after Start", g.Weights(), []float64{0.9, 1.1}, 1e-6)
}

// TestGradNormKeepsWeightsPositive: with a learning rate of 1 the Adam
// steps overshoot below zero, and the weights must stay positive and sum
// to the number of tasks.
func TestGradNormKeepsWeightsPositive(t *testing.T) {
	g := NewGradNorm(1.5, 1)
	tasks := []*Task{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	g.Start(tasks, 0.5)
	floored := false
	for step := range 20 {
		w := autodiff.Param(tensor.Zeros(2, 2))
		h := autodiff.Param(tensor.Zeros(1))
		losses := []*autodiff.Value{
			linearLoss(w, h, []float32{10, 0, 0, 0}, []float32{0}, 1),
			linearLoss(w, h, []float32{0, 1, 0, 0}, []float32{0}, float32(1+step)),
			linearLoss(w, h, []float32{0, 0, 0.1, 0}, []float32{0}, 1/float32(1+step)),
		}
		g.Backward(tasks, losses, []*autodiff.Value{w})
		sum := 0.0
		for _, v := range g.Weights() {
			if !(v > 0) {
				t.Fatalf("step %d: weights %v, want all positive", step, g.Weights())
			}
			sum += v
			floored = floored || v < 2*gradNormMinWeight
		}
		if math.Abs(sum-3) > 1e-9 {
			t.Fatalf("step %d: weights %v sum to %v, want 3", step, g.Weights(), sum)
		}
	}
	if !floored {
		t.Error("no weight reached the floor; the test does not exercise the clipping")
	}
}

func TestGradNormRejectsBadInput(t *testing.T) {
	panicsWith(t, "alpha -1", func() { NewGradNorm(-1, 0.01) })
	panicsWith(t, "alpha NaN", func() { NewGradNorm(math.NaN(), 0.01) })
	panicsWith(t, "learning rate -0.1", func() { NewGradNorm(1.5, -0.1) })
	panicsWith(t, "learning rate +Inf", func() { NewGradNorm(1.5, math.Inf(1)) })

	two := []*Task{{Name: "a"}, {Name: "b"}}
	w := autodiff.Param(tensor.Zeros(1, 2))
	loss := autodiff.SumAll(w)
	panicsWith(t, "GradNorm: 1 losses for 2 tasks", func() {
		g := NewGradNorm(1.5, 0.01)
		g.Start(two, 0)
		g.Backward(two, []*autodiff.Value{loss}, []*autodiff.Value{w})
	})
	panicsWith(t, "Backward before Start", func() {
		NewGradNorm(1.5, 0).Backward(two, []*autodiff.Value{loss, loss}, []*autodiff.Value{w})
	})
	panicsWith(t, "3 tasks, but Start was given 2", func() {
		g := NewGradNorm(1.5, 0.01)
		g.Start(two, 0)
		g.Backward(append(two, &Task{Name: "c"}), []*autodiff.Value{loss, loss, loss}, []*autodiff.Value{w})
	})
	bias := autodiff.Param(tensor.Zeros(2))
	panicsWith(t, "none of the 1 shared parameters has rank 2", func() {
		g := NewGradNorm(1.5, 0.01)
		g.Start(two, 0)
		l := autodiff.SumAll(bias)
		g.Backward(two, []*autodiff.Value{l, l}, []*autodiff.Value{bias})
	})
}

// TestGradNormWithoutStart: a GradNorm given its own learning rate may be
// driven without Start.
func TestGradNormWithoutStart(t *testing.T) {
	g := NewGradNorm(1.5, 0.1)
	gradNormStep(g, 2, 4)
	assertNear64(t, "weights", g.Weights(), []float64{0.9, 1.1}, 1e-6)
}

func TestGradNormTrainsToy(t *testing.T) {
	g := NewGradNorm(1.5, 0)
	h := fitToyWith(t, g, 5)
	checkToyAccuracy(t, h)
	if w := h.Values["b_weight"]; len(w) != 8 {
		t.Errorf("b_weight history %v, want one weight per epoch", w)
	}
	if w := g.Weights(); math.Abs(w[0]+w[1]-2) > 1e-9 || w[0] == 1 {
		t.Errorf("weights %v, want weights that moved and sum to 2", w)
	}
}

func TestGradNormIsDeterministic(t *testing.T) {
	g := NewGradNorm(1.5, 0)
	checkSameHistory(t, fitToyWith(t, g, 9), fitToyWith(t, g, 9))
}
