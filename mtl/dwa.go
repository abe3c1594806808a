package mtl

import (
	"fmt"
	"math"

	"github.com/heed-ml/heed/autodiff"
)

// DefaultDWATemperature is the temperature T = 2 that Liu, Johns and
// Davison use for Dynamic Weight Average.
const DefaultDWATemperature = 2.0

// DWA is Dynamic Weight Average (Liu, Johns and Davison, "End-to-End
// Multi-Task Learning with Attention", CVPR 2019). It weighs each task by
// how slowly its loss has been falling, so a task that lags behind gets a
// larger share of the gradient. The weights of epoch e are
//
//	λₜ = K·exp(wₜ/T) / Σᵢ exp(wᵢ/T),  wₜ = L̄ₜ(e−1) / L̄ₜ(e−2)
//
// where L̄ₜ(e) is task t's loss averaged over the steps of epoch e, K is the
// number of tasks and T the temperature. The weights sum to K, and a larger
// T brings them closer to 1. Epochs 0 and 1 lack two earlier averages and
// use λₜ = 1. The combined objective is total = Σₜ λₜ·Lₜ.
//
// A DWA keeps loss averages between steps, so use it through a pointer and
// call Start before the first Backward and EndEpoch after each epoch (Fit
// does both).
//
// NOTE: the ratio wₜ assumes positive losses. When it is not finite, as
// when L̄ₜ(e−2) is 0, the task gets wₜ = 1.
type DWA struct {
	temperature float64

	// sums adds up each task's loss over the steps of the running epoch.
	sums  []float64
	steps int
	// last and beforeLast are the averages of the two most recent finished
	// epochs, L̄(e−1) and L̄(e−2). epochs counts finished epochs that had
	// steps, up to 2.
	last, beforeLast []float64
	epochs           int
	// weights are the λ used by Backward in the running epoch.
	weights []float64
}

// NewDWA returns a Dynamic Weight Average strategy with the given
// temperature. DefaultDWATemperature is the published choice. It panics
// unless the temperature is positive and finite.
func NewDWA(temperature float64) *DWA {
	if !(temperature > 0 && temperature <= math.MaxFloat64) {
		panic(fmt.Sprintf("mtl.NewDWA: temperature %v must be positive and finite (the published value is %v)", temperature, DefaultDWATemperature))
	}
	return &DWA{temperature: temperature}
}

// Name returns "dwa".
func (*DWA) Name() string { return "dwa" }

// Temperature returns T.
func (d *DWA) Temperature() float64 { return d.temperature }

// Start clears every loss average and sets each weight to 1, so one DWA
// can serve several runs. It ignores lr.
func (d *DWA) Start(tasks []*Task, _ float64) {
	k := len(tasks)
	d.sums = make([]float64, k)
	d.steps = 0
	d.last, d.beforeLast = nil, nil
	d.epochs = 0
	d.weights = make([]float64, k)
	for i := range d.weights {
		d.weights[i] = 1
	}
}

// Backward back-propagates Σₜ λₜ·Lₜ once with the running epoch's weights,
// adds each task's loss to the epoch's averages and returns the weighted
// sum. It panics if Start has not run, or if the number of losses or tasks
// differs from the number of tasks at Start.
func (d *DWA) Backward(tasks []*Task, losses []*autodiff.Value, _ []*autodiff.Value) float64 {
	if d.weights == nil {
		panic("mtl.DWA: Backward called before Start; call Start(tasks, lr) first, as Fit does")
	}
	if len(losses) != len(tasks) || len(tasks) != len(d.weights) {
		panic(fmt.Sprintf("mtl.DWA: %d losses for %d tasks, started with %d tasks", len(losses), len(tasks), len(d.weights)))
	}

	for i, loss := range losses {
		d.sums[i] += float64(loss.Item())
	}
	d.steps++

	return backwardSum(losses, d.weights)
}

// EndEpoch closes the epoch's loss averages and computes the weights of
// the next epoch. An epoch without any Backward call changes nothing.
// EndEpoch ignores the epoch number and keeps the averages in the order
// the epochs end.
func (d *DWA) EndEpoch(int) {
	if d.steps == 0 {
		return
	}

	avg := make([]float64, len(d.sums))
	for i, s := range d.sums {
		avg[i] = s / float64(d.steps)
		d.sums[i] = 0
	}
	d.steps = 0
	d.beforeLast, d.last = d.last, avg
	d.epochs = min(d.epochs+1, 2)
	if d.epochs < 2 {
		return
	}

	// Subtracting the largest exponent before exp keeps the softmax finite
	// for small temperatures and leaves the weights unchanged.
	ratios := make([]float64, len(avg))
	maxExp := math.Inf(-1)
	for i := range ratios {
		w := d.last[i] / d.beforeLast[i]
		if math.IsNaN(w) || math.IsInf(w, 0) {
			w = 1
		}
		ratios[i] = w / d.temperature
		maxExp = max(maxExp, ratios[i])
	}
	var sum float64
	for i, r := range ratios {
		d.weights[i] = math.Exp(r - maxExp)
		sum += d.weights[i]
	}
	k := float64(len(d.weights))
	for i := range d.weights {
		d.weights[i] *= k / sum
	}
}

// Weights returns the λₜ that Backward uses in the running epoch, or nil
// before Start.
func (d *DWA) Weights() []float64 {
	if d.weights == nil {
		return nil
	}
	return append([]float64(nil), d.weights...)
}
