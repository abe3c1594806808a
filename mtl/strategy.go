package mtl

import (
	"fmt"

	"github.com/heed-ml/heed/autodiff"
)

// Strategy turns the per-task losses of one batch into gradients on the
// model's parameters. Loss weighting schemes and gradient-balancing methods
// (PCGrad, MGDA, GradNorm) all fit this shape: each is one type in one file.
type Strategy interface {
	// Name identifies the strategy in reports, such as "fixed" or "equal".
	Name() string
	// Backward leaves the gradient of the combined objective in the Grad of
	// every parameter and returns the combined loss for logging. losses
	// holds each task's unweighted mean loss, in the order of tasks.
	Backward(tasks []*Task, losses []*autodiff.Value, shared []*autodiff.Value) float64
}

// FixedWeights combines task losses as total = Σₜ wₜ·Lₜ with each task's
// Weight. The sum is not divided by the number of tasks, as in Keras's
// loss_weights, so two tasks of weight 1 give twice the gradient scale of
// one: compare learning rates with that in mind.
type FixedWeights struct{}

// Name returns "fixed".
func (FixedWeights) Name() string { return "fixed" }

// Backward back-propagates Σₜ wₜ·Lₜ once.
func (FixedWeights) Backward(tasks []*Task, losses []*autodiff.Value, _ []*autodiff.Value) float64 {
	return backwardWeighted(tasks, losses, func(t *Task) float64 { return t.Weight })
}

// EqualWeights combines task losses as total = Σₜ Lₜ, ignoring Task.Weight.
type EqualWeights struct{}

// Name returns "equal".
func (EqualWeights) Name() string { return "equal" }

// Backward back-propagates Σₜ Lₜ once.
func (EqualWeights) Backward(tasks []*Task, losses []*autodiff.Value, _ []*autodiff.Value) float64 {
	return backwardWeighted(tasks, losses, func(*Task) float64 { return 1 })
}

func backwardWeighted(tasks []*Task, losses []*autodiff.Value, weight func(*Task) float64) float64 {
	if len(tasks) != len(losses) {
		panic(fmt.Sprintf("mtl: %d losses for %d tasks", len(losses), len(tasks)))
	}
	var total *autodiff.Value
	for i, t := range tasks {
		term := autodiff.MulScalar(losses[i], float32(weight(t)))
		if total == nil {
			total = term
		} else {
			total = autodiff.Add(total, term)
		}
	}
	total.Backward()
	return float64(total.Item())
}
