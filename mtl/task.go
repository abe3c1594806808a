package mtl

import (
	"fmt"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/tensor"
)

// Task is one learning problem of a multi-task model.
type Task struct {
	// Name identifies the task in outputs, labels and history keys, such as
	// "left" in "left_loss". It must be a non-empty identifier.
	Name string
	// Head maps the shared features to this task's output (logits).
	Head nn.Module
	// Loss compares the head's output with the batch labels. Nil means
	// softmax cross-entropy from logits.
	Loss LossFunc
	// Metrics are computed on every batch and on evaluation. Nil means
	// accuracy alone.
	Metrics []Metric
	// Weight scales this task's loss under FixedWeights. Zero is a valid
	// weight that leaves the task evaluated but untrained, so use NewTask
	// for the usual weight of 1.
	Weight float64
}

// NewTask returns a classification task with weight 1, softmax
// cross-entropy loss and the accuracy metric.
func NewTask(name string, head nn.Module) *Task {
	return &Task{Name: name, Head: head, Weight: 1}
}

// LossFunc computes a task's mean loss over a batch.
type LossFunc func(output *autodiff.Value, labels []int) *autodiff.Value

// Metric is a named quality measure of a task's outputs. Fn returns the
// mean over the batch, so the trainer can weight batches by their size.
type Metric struct {
	Name string
	Fn   func(output *tensor.Tensor, labels []int) float64
}

// Accuracy is the fraction of samples whose largest output is the label.
var Accuracy = Metric{Name: "accuracy", Fn: accuracy}

func accuracy(output *tensor.Tensor, labels []int) float64 {
	if len(labels) == 0 {
		return 0
	}
	pred := tensor.ArgMax(output, -1)
	hits := 0
	for i, p := range pred {
		if p == labels[i] {
			hits++
		}
	}
	return float64(hits) / float64(len(labels))
}

func (t *Task) loss(out *autodiff.Value, labels []int) *autodiff.Value {
	if t.Loss != nil {
		return t.Loss(out, labels)
	}
	return autodiff.SoftmaxCrossEntropy(out, labels)
}

func (t *Task) metrics() []Metric {
	if t.Metrics != nil {
		return t.Metrics
	}
	return []Metric{Accuracy}
}

func validateTasks(tasks []*Task) error {
	if len(tasks) == 0 {
		return fmt.Errorf("mtl: a model needs at least one task")
	}
	seen := map[string]bool{}
	for i, t := range tasks {
		if t == nil || t.Name == "" {
			return fmt.Errorf("mtl: task %d has no name", i)
		}
		if seen[t.Name] {
			return fmt.Errorf("mtl: task name %q used twice", t.Name)
		}
		seen[t.Name] = true
		if t.Head == nil {
			return fmt.Errorf("mtl: task %q has no head", t.Name)
		}
	}
	return nil
}
