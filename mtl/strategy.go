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

// SplitStrategy is implemented by strategies that work on the gradients of
// the shared representation rather than of the shared parameters, such as
// MGDAUB. Fit then calls the model's ForwardSplit in place of Forward and
// BackwardSplit in place of Backward, and returns an error before training
// when the model does not implement Splitter. Evaluation still calls
// Forward.
type SplitStrategy interface {
	Strategy
	// BackwardSplit does what Backward does, given also the splits that
	// ForwardSplit returned for the batch the losses come from.
	BackwardSplit(tasks []*Task, losses []*autodiff.Value, splits []Split, shared []*autodiff.Value) float64
}

// Starter is implemented by strategies that keep state across steps, such
// as learned weights or loss histories. Fit calls Start once before the
// first step, so one strategy value can serve several runs. lr is the
// optimizer's learning rate at that moment; strategies that learn their
// own parameters use it unless configured otherwise.
type Starter interface {
	Start(tasks []*Task, lr float64)
}

// EpochEnder is implemented by strategies that adapt between epochs, such
// as Dynamic Weight Average. Fit calls EndEpoch after the last step of each
// epoch, counting epochs from 0.
type EpochEnder interface {
	EndEpoch(epoch int)
}

// Weighter is implemented by strategies whose task weights change during
// training. Fit records Weights, one per task in task order, as
// "TASK_weight" in the History at the end of each epoch.
type Weighter interface {
	Weights() []float64
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
	weights := make([]float64, len(tasks))
	for i, t := range tasks {
		weights[i] = weight(t)
	}
	return backwardSum(losses, weights)
}

// backwardSum back-propagates Σₜ weights[t]·losses[t] once and returns its
// value.
func backwardSum(losses []*autodiff.Value, weights []float64) float64 {
	var total *autodiff.Value
	for i, loss := range losses {
		term := autodiff.MulScalar(loss, float32(weights[i]))
		if total == nil {
			total = term
		} else {
			total = autodiff.Add(total, term)
		}
	}
	total.Backward()
	return float64(total.Item())
}
