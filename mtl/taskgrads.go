package mtl

import (
	"fmt"
	"math"

	"github.com/heed-ml/heed/autodiff"
)

// This file holds what the gradient-balancing strategies (PCGrad, MGDA,
// GradNorm) share: per-task gradients on the shared parameters, and ways
// to write a combined gradient back.

// checkLossCount panics when a strategy receives a different number of
// losses than tasks, which is a programming error in the caller.
func checkLossCount(strategy string, tasks []*Task, losses []*autodiff.Value) {
	if len(losses) != len(tasks) {
		panic(fmt.Sprintf("mtl.%s: %d losses for %d tasks; pass one loss per task, in task order", strategy, len(losses), len(tasks)))
	}
}

// taskGradients returns each loss's gradient on the shared parameters,
// flattened in the order of shared and, within a parameter, in its data
// order. Entry t of the result belongs to losses[t].
//
// For each loss in turn it zeroes the shared gradients, back-propagates
// the loss alone and copies the shared gradients out. So it costs one
// backward pass per task, where a plain weighted sum costs one in all, and
// keeps one float64 copy of the shared gradients per task.
//
// Every other parameter that a loss reaches keeps accumulating: a task's
// head ends up with its own task's gradient, unscaled. On return the
// shared parameters hold the last task's gradient, so callers overwrite
// them with setSharedGrads.
//
// NOTE: a parameter that more than one task depends on but that is not in
// shared, such as a shared layer missing from a model's SharedParams, ends
// up with the plain sum of the tasks' gradients, untouched by any
// balancing.
//
// The autodiff graph is kept after Backward, so the losses may come from
// one forward pass. A shared parameter that a loss does not reach gets a
// zero gradient for that task.
//
// The vectors of reuse are overwritten and returned when their count and
// length fit, so a strategy that keeps the result between steps allocates
// them once: each is as long as the shared parameters together.
func taskGradients(losses []*autodiff.Value, shared []*autodiff.Value, reuse [][]float64) [][]float64 {
	size := 0
	for _, p := range shared {
		size += p.Data().Size()
	}
	grads := reuse
	if len(grads) != len(losses) {
		grads = make([][]float64, len(losses))
	}
	for t, loss := range losses {
		for _, p := range shared {
			p.ZeroGrad()
		}
		loss.Backward()

		g := grads[t]
		if len(g) != size {
			g = make([]float64, size)
		}
		off := 0
		for _, p := range shared {
			n := p.Data().Size()
			if pg := p.Grad(); pg != nil {
				for i, v := range pg.Data() {
					g[off+i] = float64(v)
				}
			} else {
				clear(g[off : off+n])
			}
			off += n
		}
		grads[t] = g
	}
	return grads
}

// setSharedGrads writes the flat gradient g, laid out as taskGradients
// lays it out, into the Grad of the shared parameters. A parameter without
// a gradient buffer is skipped: no task reached it, so every task
// gradient, and any combination of them, is zero there.
func setSharedGrads(shared []*autodiff.Value, g []float64) {
	off := 0
	for _, p := range shared {
		n := p.Data().Size()
		if pg := p.Grad(); pg != nil {
			dst := pg.Data()
			for i := range dst {
				dst[i] = float32(g[off+i])
			}
		}
		off += n
	}
}

// graphParams returns every leaf that requires a gradient and that any of
// losses depends on. These are all the model parameters the step touches,
// heads and input towers included, which a Strategy is not otherwise given.
// Strategies that back-propagate once more after taskGradients zero these
// first, so the earlier passes leave nothing behind.
func graphParams(losses []*autodiff.Value) []*autodiff.Value {
	seen := map[*autodiff.Value]bool{}
	var params []*autodiff.Value
	stack := append([]*autodiff.Value(nil), losses...)
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[v] || !v.RequiresGrad() {
			continue
		}
		seen[v] = true
		if v.Op() == "" {
			params = append(params, v)
			continue
		}
		stack = append(stack, v.Inputs()...)
	}
	return params
}

// backwardScaled zeroes the gradient of every parameter the losses reach
// and back-propagates Σₜ scale[t]·losses[t] once. It returns that sum.
func backwardScaled(losses []*autodiff.Value, scale []float64) float64 {
	for _, p := range graphParams(losses) {
		p.ZeroGrad()
	}
	return backwardSum(losses, scale)
}

// flatDot returns the inner product of two vectors of equal length.
func flatDot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// flatNorm returns the Euclidean norm of a.
func flatNorm(a []float64) float64 { return math.Sqrt(flatDot(a, a)) }

// lossValueSum returns Σₜ Lₜ of the losses' current values.
func lossValueSum(losses []*autodiff.Value) float64 {
	var s float64
	for _, l := range losses {
		s += float64(l.Item())
	}
	return s
}
