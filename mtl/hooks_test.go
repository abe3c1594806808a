package mtl

import (
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
)

// recordingStrategy sums the losses and records how Fit drives the
// optional hooks.
type recordingStrategy struct {
	starts   int
	startLR  float64
	tasks    int
	steps    int
	ended    []int
	stepsAt  []int
	weightsN int
}

func (r *recordingStrategy) Name() string { return "recording" }

func (r *recordingStrategy) Start(tasks []*Task, lr float64) {
	r.starts++
	r.startLR = lr
	r.tasks = len(tasks)
}

func (r *recordingStrategy) Backward(tasks []*Task, losses []*autodiff.Value, _ []*autodiff.Value) float64 {
	r.steps++
	return backwardWeighted(tasks, losses, func(*Task) float64 { return 1 })
}

func (r *recordingStrategy) EndEpoch(epoch int) {
	r.ended = append(r.ended, epoch)
	r.stepsAt = append(r.stepsAt, r.steps)
}

func (r *recordingStrategy) Weights() []float64 {
	r.weightsN++
	return []float64{0.25, float64(r.weightsN)}
}

func TestFitDrivesStrategyHooks(t *testing.T) {
	m := toyModel(1)
	r := &recordingStrategy{}
	h, err := Fit(m, SharedData(toySet(256, 1), "a", "b"), FitConfig{
		Epochs: 3, BatchSize: 64, Seed: 1, Strategy: r,
		Optimizer: optim.NewAdam(nn.Values(m.Params()), 0.003),
	})
	if err != nil {
		t.Fatal(err)
	}

	if r.starts != 1 || r.startLR != 0.003 || r.tasks != 2 {
		t.Errorf("Start ran %d times with lr %v and %d tasks, want once with 0.003 and 2", r.starts, r.startLR, r.tasks)
	}
	if len(r.ended) != 3 || r.ended[0] != 0 || r.ended[2] != 2 {
		t.Errorf("EndEpoch got epochs %v, want [0 1 2]", r.ended)
	}
	// 256 samples in batches of 64: EndEpoch follows each epoch's 4 steps.
	if len(r.stepsAt) != 3 || r.stepsAt[0] != 4 || r.stepsAt[2] != 12 {
		t.Errorf("EndEpoch came after steps %v, want [4 8 12]", r.stepsAt)
	}
	if got := h.Values["a_weight"]; len(got) != 3 || got[0] != 0.25 {
		t.Errorf("a_weight history = %v, want three entries of 0.25", got)
	}
	if got := h.Values["b_weight"]; len(got) != 3 || got[2] != 3 {
		t.Errorf("b_weight history = %v, want 1, 2, 3", got)
	}
}
