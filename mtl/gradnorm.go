package mtl

import (
	"fmt"
	"math"

	"github.com/heed-ml/heed/autodiff"
)

// GradNorm learns task weights that balance the tasks' gradient magnitudes
// (Chen et al. 2018, "GradNorm: Gradient Normalization for Adaptive Loss
// Balancing in Deep Multitask Networks"). The model trains on Σₜ wₜ·Lₜ,
// and each step moves the weights so that a task's weighted gradient norm
// on the shared layer grows with how far the task lags behind:
//
//	Gₜ = wₜ·‖∇_W Lₜ‖,  Ḡ = meanₜ Gₜ       (W: the last shared layer's weight)
//	L̃ₜ = Lₜ/Lₜ(0),  rₜ = L̃ₜ/meanₛ L̃ₛ      (Lₜ(0): the loss on the first step)
//	targetₜ = Ḡ·rₜ^α                      (held constant)
//	L_grad = Σₜ |Gₜ − targetₜ|,  ∂L_grad/∂wₜ = sign(Gₜ − targetₜ)·‖∇_W Lₜ‖
//
// A task whose loss has fallen less than the others' (rₜ > 1) gets a
// larger target and so a larger weight, and α sets how strongly. The
// weights start at 1. Each training step first computes the model's
// gradients with the step's weights, then takes one Adam step on
// ∂L_grad/∂w (β₁ = 0.9, β₂ = 0.999, ε = 1e-8, with its own state). The
// weights are then kept positive and renormalized to Σwₜ = T, the number
// of tasks, so the overall learning rate stays put.
//
// W is the last parameter of rank 2 or more among the shared parameters.
// In a trunk of dense or convolutional layers that is the weight of the
// last shared layer, the paper's choice, because it is cheap and closest
// to the heads. Biases and normalization scales are skipped, since the
// weight is the layer's main parameter.
//
// Each step costs one backward pass per task (see taskGradients), but
// only W's gradient is copied out per task. Task.Weight is ignored.
//
// NOTE: Lₜ(0) is the loss of a single batch, so a first batch that is
// unusually easy or hard for a task skews its rₜ for the whole run.
type GradNorm struct {
	alpha float64
	lr    float64

	// rate is the weights' learning rate for this run: lr, or Start's lr
	// when lr is 0.
	rate float64
	// w are the task weights, and m, v and step Adam's state for them.
	w, m, v []float64
	step    int
	// initial holds each task's loss on the first step, Lₜ(0), or is nil
	// before it.
	initial []float64
}

// gradNormMinWeight is the floor the weights are clipped to after each
// update, before renormalizing: an Adam step may overshoot below zero,
// and a negative weight would make its task's loss a reward.
const gradNormMinWeight = 1e-3

// NewGradNorm returns GradNorm with asymmetry alpha and learning rate lr
// for the task weights. A larger alpha gives lagging tasks more weight,
// and 0 pulls every task toward the same gradient norm. An lr of 0 uses
// the learning rate that Fit passes to Start, the model optimizer's. It
// panics on a negative or non-finite alpha or lr.
func NewGradNorm(alpha, lr float64) *GradNorm {
	if alpha < 0 || math.IsNaN(alpha) || math.IsInf(alpha, 0) {
		panic(fmt.Sprintf("mtl.NewGradNorm: alpha %v must be finite and at least 0", alpha))
	}
	if lr < 0 || math.IsNaN(lr) || math.IsInf(lr, 0) {
		panic(fmt.Sprintf("mtl.NewGradNorm: learning rate %v must be finite and at least 0 (0 takes the optimizer's)", lr))
	}
	return &GradNorm{alpha: alpha, lr: lr}
}

// Name returns "gradnorm".
func (*GradNorm) Name() string { return "gradnorm" }

// Start sets every weight to 1, clears the Adam state and the initial
// losses, and picks the learning rate: the constructor's, or lr when that
// is 0.
func (g *GradNorm) Start(tasks []*Task, lr float64) {
	n := len(tasks)
	g.w = make([]float64, n)
	for i := range g.w {
		g.w[i] = 1
	}
	g.m = make([]float64, n)
	g.v = make([]float64, n)
	g.step = 0
	g.initial = nil
	g.rate = g.lr
	if g.rate == 0 {
		g.rate = lr
	}
}

// Weights returns the current task weights in task order, or nil before
// Start.
func (g *GradNorm) Weights() []float64 { return append([]float64(nil), g.w...) }

// Backward back-propagates Σₜ wₜ·Lₜ with the current weights, then updates
// the weights. It returns Σₜ wₜ·Lₜ with the weights it back-propagated.
// It panics if no shared parameter has rank 2 or more, or, when Start was
// not called, if the constructor was given no learning rate.
func (g *GradNorm) Backward(tasks []*Task, losses []*autodiff.Value, shared []*autodiff.Value) float64 {
	checkLossCount("GradNorm", tasks, losses)
	if g.w == nil {
		if g.lr == 0 {
			panic("mtl.GradNorm: Backward before Start with learning rate 0; call Start (Fit does) or give NewGradNorm a learning rate")
		}
		g.Start(tasks, g.lr)
	}
	if len(g.w) != len(tasks) {
		panic(fmt.Sprintf("mtl.GradNorm: %d tasks, but Start was given %d; call Start with the model's tasks", len(tasks), len(g.w)))
	}
	var layer *autodiff.Value
	for _, p := range shared {
		if p.Data().Dims() >= 2 {
			layer = p
		}
	}
	if layer == nil {
		panic(fmt.Sprintf("mtl.GradNorm: none of the %d shared parameters has rank 2 or more; GradNorm needs a shared layer's weight", len(shared)))
	}

	// Back-propagating each wₜ·Lₜ separately leaves Σₜ wₜ·∇Lₜ in every
	// parameter but W, whose per-task parts taskGradients copies out and
	// setSharedGrads adds up.
	weighted := make([]*autodiff.Value, len(losses))
	for t, l := range losses {
		weighted[t] = autodiff.MulScalar(l, float32(g.w[t]))
	}
	parts := taskGradients(weighted, []*autodiff.Value{layer}, nil)
	sum := make([]float64, len(parts[0]))
	for _, p := range parts {
		for i, v := range p {
			sum[i] += v
		}
	}
	setSharedGrads([]*autodiff.Value{layer}, sum)

	values := make([]float64, len(losses))
	total := 0.0
	for t, l := range losses {
		values[t] = float64(l.Item())
		total += g.w[t] * values[t]
	}
	norms := make([]float64, len(parts))
	for t, p := range parts {
		norms[t] = flatNorm(p)
	}
	g.update(norms, values)
	return total
}

// update takes one Adam step on the weights, given norms[t] = Gₜ =
// wₜ·‖∇_W Lₜ‖ and the loss values of this step, then clips and
// renormalizes them.
func (g *GradNorm) update(norms, losses []float64) {
	n := len(g.w)
	if g.initial == nil {
		g.initial = append([]float64(nil), losses...)
	}

	// ratio holds the loss ratios L̃ₜ, from which r follows. A task whose
	// first loss was 0 cannot show progress, so it counts as keeping pace.
	ratio := make([]float64, n)
	meanRatio := 0.0
	for t := range ratio {
		ratio[t] = 1
		if g.initial[t] != 0 {
			ratio[t] = losses[t] / g.initial[t]
		}
		meanRatio += ratio[t] / float64(n)
	}
	meanG := 0.0
	for _, v := range norms {
		meanG += v / float64(n)
	}

	g.step++
	const beta1, beta2, eps = 0.9, 0.999, 1e-8
	corr1 := 1 - math.Pow(beta1, float64(g.step))
	corr2 := 1 - math.Pow(beta2, float64(g.step))
	for t := range g.w {
		r := 1.0
		if meanRatio != 0 {
			r = ratio[t] / meanRatio
		}
		target := meanG * math.Pow(r, g.alpha)

		// ∂|Gₜ − target|/∂wₜ = sign(Gₜ − target)·‖∇_W Lₜ‖, and
		// ‖∇_W Lₜ‖ = Gₜ/wₜ since wₜ > 0.
		grad := gradNormSign(norms[t]-target) * norms[t] / g.w[t]

		g.m[t] = beta1*g.m[t] + (1-beta1)*grad
		g.v[t] = beta2*g.v[t] + (1-beta2)*grad*grad
		g.w[t] -= g.rate * (g.m[t] / corr1) / (math.Sqrt(g.v[t]/corr2) + eps)
	}

	sum := 0.0
	for t := range g.w {
		g.w[t] = max(g.w[t], gradNormMinWeight)
		sum += g.w[t]
	}
	for t := range g.w {
		g.w[t] *= float64(n) / sum
	}
}

// gradNormSign returns −1, 0 or 1 as x is negative, zero or positive.
func gradNormSign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}
