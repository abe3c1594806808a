package mtl

import (
	"fmt"
	"math"
	"slices"

	"github.com/heed-ml/heed/autodiff"
)

// MGDA is the multiple-gradient descent algorithm as a multi-task strategy
// (Sener and Koltun 2018, "Multi-Task Learning as Multi-Objective
// Optimization"). Each step it finds the convex combination of the task
// gradients on the shared parameters with the smallest norm,
//
//	α = argmin over the simplex (αₜ ≥ 0, Σαₜ = 1) of ‖Σₜ αₜ·gₜ‖²,
//
// and then back-propagates Σₜ αₜ·Lₜ. The min-norm direction decreases
// every task's loss at once when such a direction exists (a Pareto-
// stationary point is where it is zero), so no task is traded for another.
//
// Two tasks have a closed form; more use a Frank–Wolfe solver, as in the
// paper (see minNormWeights). Normalization, applied to the gradients
// before solving as in the authors' code, is one of:
//
//   - "none" (or ""): the raw gradients.
//   - "l2": gₜ/‖gₜ‖, so only the directions count.
//   - "loss": gₜ/Lₜ, the gradient of log Lₜ, so each task counts by its
//     relative rather than absolute change.
//   - "loss+": gₜ/(Lₜ·‖gₜ‖), the unit directions scaled by 1/Lₜ.
//
// A gradient whose normalizer is zero or not finite is left as it is. As
// in the authors' code, α found on the normalized gradients then weights
// the raw losses.
//
// Each step costs one backward pass per task plus one for the weighted
// sum; Task.Weight is ignored.
//
// This is MGDA on the shared parameters. MGDAUB is the paper's cheaper
// upper-bound variant, which solves on the gradients of the shared
// representation instead, for models that implement Splitter.
type MGDA struct {
	normalization string
	alpha         []float64

	// grads holds the task gradients between steps, so they are allocated
	// once (see taskGradients).
	grads [][]float64
}

// mgdaNormalizations lists the accepted normalizations, for messages.
var mgdaNormalizations = []string{"none", "l2", "loss", "loss+"}

// NewMGDA returns MGDA with the given gradient normalization, one of
// "none" (also ""), "l2", "loss" and "loss+". It panics on any other.
func NewMGDA(normalization string) *MGDA {
	return &MGDA{normalization: checkMGDANormalization("NewMGDA", normalization)}
}

// checkMGDANormalization returns normalization with "" read as "none", and
// panics, naming the constructor, on a value not in mgdaNormalizations.
func checkMGDANormalization(constructor, normalization string) string {
	if normalization == "" {
		normalization = "none"
	}
	if !slices.Contains(mgdaNormalizations, normalization) {
		panic(fmt.Sprintf("mtl.%s: invalid normalization %q; use one of %q", constructor, normalization, mgdaNormalizations))
	}
	return normalization
}

// Name returns "mgda".
func (*MGDA) Name() string { return "mgda" }

// Start clears the weights of any earlier run.
func (m *MGDA) Start([]*Task, float64) { m.alpha = nil }

// Weights returns the αₜ of the last step, in task order, or nil before
// the first step.
func (m *MGDA) Weights() []float64 { return append([]float64(nil), m.alpha...) }

// Backward solves for α on the shared gradients and back-propagates
// Σₜ αₜ·Lₜ, whose value it returns.
func (m *MGDA) Backward(tasks []*Task, losses []*autodiff.Value, shared []*autodiff.Value) float64 {
	checkLossCount("MGDA", tasks, losses)
	m.grads = taskGradients(losses, shared, m.grads)
	normalizeTaskGradients(m.normalization, m.grads, losses)
	m.alpha = minNormWeights(mgdaGram(m.grads))
	return backwardScaled(losses, m.alpha)
}

// normalizeTaskGradients divides each task gradient grads[t] in place by
// its normalizer (see mgdaNormalizer), leaving it as it is when the
// normalizer is zero or not finite.
func normalizeTaskGradients(normalization string, grads [][]float64, losses []*autodiff.Value) {
	for t, g := range grads {
		scale := mgdaNormalizer(normalization, g, float64(losses[t].Item()))
		if scale == 0 || math.IsNaN(scale) || math.IsInf(scale, 0) {
			continue
		}
		for i := range g {
			g[i] /= scale
		}
	}
}

// mgdaNormalizer returns what the gradient g of a task with loss value loss
// is divided by before solving.
func mgdaNormalizer(normalization string, g []float64, loss float64) float64 {
	switch normalization {
	case "l2":
		return flatNorm(g)
	case "loss":
		return loss
	case "loss+":
		return loss * flatNorm(g)
	default:
		return 1
	}
}

// mgdaGram returns the matrix of inner products gᵢ·gⱼ.
func mgdaGram(grads [][]float64) [][]float64 {
	m := make([][]float64, len(grads))
	for i := range grads {
		m[i] = make([]float64, len(grads))
	}
	for i := range grads {
		for j := 0; j <= i; j++ {
			d := flatDot(grads[i], grads[j])
			m[i][j], m[j][i] = d, d
		}
	}
	return m
}

// The Frank–Wolfe solver stops once its duality gap, an upper bound on
// how far ‖d‖² is above its minimum, is below mgdaTolerance times the
// largest ‖gₜ‖², or after mgdaMaxIter steps.
const (
	mgdaTolerance = 1e-10
	mgdaMaxIter   = 1000
)

// minNormWeights returns α in the simplex minimizing ‖Σₜ αₜ·gₜ‖², given
// only the Gram matrix m of the gradients.
//
// Two gradients have the closed form α₁ = minNormPair(...), α₂ = 1 − α₁.
// For more, it runs Frank–Wolfe from equal weights, as the paper does,
// with exact line search. Let d = Σ αₛ·gₛ, so (Mα)ₜ = gₜ·d and αᵀMα = ‖d‖².
// Each step either moves toward the vertex gₜ with the smallest gₜ·d,
// the classic step, or, when that gains less, away from the weighted
// vertex with the largest gₜ·d. The away steps let the solver take weight
// off a vertex it no longer needs. Without them Frank–Wolfe zigzags and
// converges only as O(1/k) when the minimum lies inside a face of the
// simplex, as it usually does. With them it converges linearly.
func minNormWeights(m [][]float64) []float64 {
	n := len(m)
	switch n {
	case 0:
		return nil
	case 1:
		return []float64{1}
	case 2:
		a := minNormPair(m[0][0], m[0][1], m[1][1])
		return []float64{a, 1 - a}
	}

	scale := 0.0
	for i := range m {
		scale = max(scale, m[i][i])
	}
	alpha := make([]float64, n)
	for i := range alpha {
		alpha[i] = 1 / float64(n)
	}
	malpha := make([]float64, n)
	for range mgdaMaxIter {
		for i := range m {
			malpha[i] = flatDot(m[i], alpha)
		}
		dd := flatDot(alpha, malpha)

		// toward is the vertex with the smallest gₜ·d, and away the
		// weighted vertex with the largest.
		toward, away := 0, -1
		for i, v := range malpha {
			if v < malpha[toward] {
				toward = i
			}
			if alpha[i] > 0 && (away < 0 || v > malpha[away]) {
				away = i
			}
		}
		gap := dd - malpha[toward]
		if gap <= mgdaTolerance*scale {
			break
		}

		// Along a direction u in α, ‖d‖² changes by 2γ·uᵀMα + γ²·uᵀMu,
		// least at γ = −uᵀMα / uᵀMu, clipped to the step that keeps α
		// in the simplex.
		if gap >= malpha[away]-dd {
			// u = eₜ − α.
			slope := malpha[toward] - dd
			curve := m[toward][toward] - 2*malpha[toward] + dd
			gamma := 1.0
			if curve > 0 {
				gamma = min(-slope/curve, 1)
			}
			for i := range alpha {
				alpha[i] *= 1 - gamma
			}
			alpha[toward] += gamma
		} else {
			// u = α − eₐ, and γ = αₐ/(1 − αₐ) takes αₐ to zero. Here
			// αₐ < 1, because with all weight on a the away gain is 0.
			limit := alpha[away] / (1 - alpha[away])
			slope := dd - malpha[away]
			curve := dd - 2*malpha[away] + m[away][away]
			gamma := limit
			if curve > 0 {
				gamma = min(-slope/curve, limit)
			}
			for i := range alpha {
				alpha[i] *= 1 + gamma
			}
			alpha[away] -= gamma
			if gamma == limit {
				alpha[away] = 0
			}
		}
	}
	return alpha
}

// minNormPair returns the γ in [0, 1] minimizing ‖γ·a + (1−γ)·b‖², given
// aa = a·a, ab = a·b and bb = b·b:
//
//	γ = clip((b − a)·b / ‖a − b‖², 0, 1) = clip((bb − ab)/(aa + bb − 2ab), 0, 1).
//
// When a = b every γ gives the same point and it returns ½.
func minNormPair(aa, ab, bb float64) float64 {
	den := aa + bb - 2*ab
	// ‖a − b‖² computed from the Gram entries can come out as a tiny
	// positive or negative number for equal vectors, so compare with the
	// scale of the vectors rather than with zero.
	if den <= 1e-12*(aa+bb) {
		return 0.5
	}
	return min(max((bb-ab)/den, 0), 1)
}
