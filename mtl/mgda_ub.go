package mtl

import (
	"fmt"
	"slices"

	"github.com/heed-ml/heed/autodiff"
)

// MGDAUB is MGDA-UB, the upper-bound variant of MGDA (Sener and Koltun
// 2018, "Multi-Task Learning as Multi-Objective Optimization"). It finds
// the task weights from the gradients of the task losses with respect to
// the shared representation Z = trunk(x), not the shared parameters θ:
//
//	α = argmin over the simplex (αₜ ≥ 0, Σαₜ = 1) of ‖Σₜ αₜ·∂Lₜ/∂Z‖²,
//
// and then leaves the gradient of Σₜ αₜ·Lₜ in every parameter. Because
// ∂Lₜ/∂θ = (∂Z/∂θ)ᵀ·∂Lₜ/∂Z, the norm MGDA minimizes is at most
// ‖∂Z/∂θ‖·‖Σₜ αₜ·∂Lₜ/∂Z‖, with the spectral norm of the Jacobian, and
// MGDA-UB minimizes the second factor of that upper bound. For a dense
// trunk on a one-sample batch, ∂Lₜ/∂W = xᵀ·∂Lₜ/∂Z and ∂Lₜ/∂b = ∂Lₜ/∂Z, so
// the inner products of the two kinds of gradient differ by the common
// factor ‖x‖² + 1 and both give the same α. In general they differ.
//
// Z is the whole batch's representation, of shape [batch, features] for a
// dense trunk. So each gₜ = ∂Lₜ/∂Z is one vector over every sample of the
// batch, and the norms and inner products are over the batch, not per
// sample. When the tasks read different inputs, gₜ runs over the
// representations of all of them, and is zero on those its task does not
// read.
//
// The normalizations are those of MGDA ("none" or "", "l2", "loss",
// "loss+"), applied to these gradients, and α found on the normalized
// gradients weights the raw losses. Task.Weight is ignored.
//
// Each parameter ends up with the gradient of Σₜ αₜ·Lₜ, as under MGDA:
// the trunk gets Σₜ αₜ·∂Lₜ/∂θ, and a task's head gets αₜ times its task's
// gradient. The paper's Algorithm 2 instead steps each head by its own
// unscaled gradient. The authors' code and MGDA here scale the heads, and
// MGDAUB follows them, so that every parameter descends one objective
// and the two strategies differ only in how they find α.
//
// Cost per step: one backward pass per task through the heads alone, one
// more through the heads for Σₜ αₜ·Lₜ, and one through the trunk. MGDA
// costs one backward pass per task through the whole network, plus one
// for the sum, so MGDAUB saves most when the trunk dominates the cost.
//
// NOTE: MGDAUB works only under Fit with a model that implements Splitter,
// which of the models here is HardSharing alone. Fit returns an error for
// any other model. Backward, called outside Fit, panics, because a
// Strategy's Backward is not given the shared representation.
type MGDAUB struct {
	normalization string
	alpha         []float64

	// grads holds the task gradients between steps, so they are allocated
	// once (see taskGradients).
	grads [][]float64
}

// NewMGDAUB returns MGDA-UB with the given gradient normalization, one of
// "none" (also ""), "l2", "loss" and "loss+", as for NewMGDA. It panics on
// any other.
func NewMGDAUB(normalization string) *MGDAUB {
	return &MGDAUB{normalization: checkMGDANormalization("NewMGDAUB", normalization)}
}

// Name returns "mgda-ub".
func (*MGDAUB) Name() string { return "mgda-ub" }

// Start clears the weights of any earlier run.
func (m *MGDAUB) Start([]*Task, float64) { m.alpha = nil }

// Weights returns the αₜ of the last step, in task order, or nil before
// the first step.
func (m *MGDAUB) Weights() []float64 { return append([]float64(nil), m.alpha...) }

// Backward panics: MGDA-UB needs the shared representation, which Fit
// passes to BackwardSplit.
func (m *MGDAUB) Backward([]*Task, []*autodiff.Value, []*autodiff.Value) float64 {
	panic("mtl.MGDAUB: Backward is not given the shared representation; train with mtl.Fit on a model that implements mtl.Splitter, such as HardSharing, or call BackwardSplit with the splits of mtl.Splitter's ForwardSplit")
}

// BackwardSplit solves for α on the gradients of the losses with respect
// to the splits' representations and leaves the gradient of Σₜ αₜ·Lₜ in
// every parameter the losses depend on, whose value it returns. The
// losses must come from a forward pass whose heads read the splits'
// leaves. shared is not used.
//
// On return each split's Leaf holds Σₜ αₜ·∂Lₜ/∂Z in its Grad.
func (m *MGDAUB) BackwardSplit(tasks []*Task, losses []*autodiff.Value, splits []Split, _ []*autodiff.Value) float64 {
	checkLossCount("MGDAUB", tasks, losses)
	checkSplits(splits)

	// The losses stop at the leaves, so these backward passes run through
	// the heads alone.
	leaves := make([]*autodiff.Value, len(splits))
	for i, s := range splits {
		leaves[i] = s.Leaf
	}
	m.grads = taskGradients(losses, leaves, m.grads)
	normalizeTaskGradients(m.normalization, m.grads, losses)
	m.alpha = minNormWeights(mgdaGram(m.grads))

	// Zero everything the step reaches, heads, leaves and trunk, and then
	// back-propagate Σₜ αₜ·Lₜ to the leaves and from there through the
	// trunk. The leaves' gradient is then Σₜ αₜ·∂Lₜ/∂Z, the seed that
	// gives the trunk Σₜ αₜ·∂Lₜ/∂θ.
	roots := make([]*autodiff.Value, 0, len(losses)+len(splits))
	roots = append(roots, losses...)
	for _, s := range splits {
		roots = append(roots, s.Z)
	}
	for _, p := range graphParams(roots) {
		p.ZeroGrad()
	}
	total := backwardSum(losses, m.alpha)
	for _, s := range splits {
		// A leaf that no loss reached has no gradient, and neither does
		// its trunk.
		if g := s.Leaf.Grad(); g != nil {
			s.Z.BackwardWith(g)
		}
	}
	return total
}

// checkSplits panics when a split cannot carry a gradient from the heads
// to the trunk, which is a programming error in a Splitter.
func checkSplits(splits []Split) {
	for i, s := range splits {
		switch {
		case s.Z == nil || s.Leaf == nil:
			panic(fmt.Sprintf("mtl.MGDAUB: split %d has a nil Z or Leaf; a Splitter must set both", i))
		case !s.Leaf.RequiresGrad() || s.Leaf.Op() != "":
			panic(fmt.Sprintf("mtl.MGDAUB: split %d has Leaf %v; it must be a leaf that requires a gradient, made with autodiff.Param", i, s.Leaf))
		case !slices.Equal(s.Z.Shape(), s.Leaf.Shape()):
			panic(fmt.Sprintf("mtl.MGDAUB: split %d has Z of shape %v and Leaf of shape %v; they must match", i, s.Z.Shape(), s.Leaf.Shape()))
		}
	}
}
