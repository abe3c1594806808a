package mtl

import (
	"fmt"
	"math"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/optim"
	"github.com/heed-ml/heed/tensor"
)

// Uncertainty weighs each task by a learned homoscedastic uncertainty
// (Kendall, Gal and Cipolla, "Multi-Task Learning Using Uncertainty to Weigh
// Losses and for Scene Geometry and Semantics", CVPR 2018). Each task t has a
// learnable log variance sₜ = log σₜ², which starts at 0, and the combined
// objective is
//
//	total = Σₜ exp(−sₜ)·Lₜ + sₜ
//
// This is the simplified form most implementations use for every task. The
// paper derives ½·exp(−sₜ)·Lₜ + ½·sₜ for a Gaussian (regression) likelihood
// and about exp(−sₜ)·Lₜ + ½·sₜ for a softmax classifier. All three are
// minimized over sₜ near sₜ = ln Lₜ (the classification bound at ln 2Lₜ), so
// a task with a large loss gets a small weight exp(−sₜ), and the sₜ term
// keeps all weights from collapsing to zero. Against the regression form,
// the model's gradients here are twice as large.
//
// The model's parameters receive the gradient of Σₜ exp(−sₜ)·Lₜ. Each sₜ
// receives ∂total/∂sₜ = 1 − exp(−sₜ)·Lₜ and is updated inside Backward by
// the strategy's own Adam, because the optimizer given to Fit updates only
// the model's parameters.
//
// An Uncertainty from NewUncertainty keeps its state between steps, so use
// it through a pointer and call Start before the first Backward (Fit does).
type Uncertainty struct {
	// lr is the learning rate of the log variances. 0 means the rate passed
	// to Start.
	lr float64

	// logVars holds sₜ per task as a scalar parameter, and adam updates
	// them. Start replaces both.
	logVars []*autodiff.Value
	adam    *optim.Adam
}

// NewUncertainty returns an uncertainty-weighting strategy whose log
// variances learn at rate lr with Adam. An lr of 0 uses the learning rate
// that Start receives, which in Fit is the model optimizer's. It panics on
// a negative or non-finite lr.
func NewUncertainty(lr float64) *Uncertainty {
	if !(lr >= 0 && lr <= math.MaxFloat64) {
		panic(fmt.Sprintf("mtl.NewUncertainty: learning rate %v must be finite and non-negative (0 uses the learning rate given to Start)", lr))
	}
	return &Uncertainty{lr: lr}
}

// Name returns "uncertainty".
func (*Uncertainty) Name() string { return "uncertainty" }

// Start sets every log variance back to 0 and gives them a fresh Adam, so
// one Uncertainty can serve several runs. The Adam's learning rate is the
// constructor's, or lr when that was 0.
//
// NOTE: the rate is fixed here. A FitConfig.LearningRate schedule changes
// only the model optimizer's rate, not that of the log variances.
func (u *Uncertainty) Start(tasks []*Task, lr float64) {
	if u.lr > 0 {
		lr = u.lr
	}
	u.logVars = make([]*autodiff.Value, len(tasks))
	for i := range u.logVars {
		u.logVars[i] = autodiff.Param(tensor.Scalar(0))
	}
	u.adam = optim.NewAdam(u.logVars, lr)
}

// Backward back-propagates total = Σₜ exp(−sₜ)·Lₜ + sₜ into the model's
// parameters and the log variances, then takes one Adam step on the log
// variances. It returns total, which can be negative because sₜ falls below
// 0 once a task's loss drops under 1. It panics if Start has not run, or if
// the number of losses or tasks differs from the number of tasks at Start.
func (u *Uncertainty) Backward(tasks []*Task, losses []*autodiff.Value, _ []*autodiff.Value) float64 {
	if u.adam == nil {
		panic("mtl.Uncertainty: Backward called before Start; call Start(tasks, lr) first, as Fit does")
	}
	if len(losses) != len(tasks) || len(tasks) != len(u.logVars) {
		panic(fmt.Sprintf("mtl.Uncertainty: %d losses for %d tasks, started with %d tasks", len(losses), len(tasks), len(u.logVars)))
	}

	// The log variances' gradients from the last step are still in place
	// because Fit zeroes only the model's parameters.
	u.adam.ZeroGrad()

	var total *autodiff.Value
	for i, loss := range losses {
		s := u.logVars[i]
		term := autodiff.Add(autodiff.Mul(autodiff.Exp(autodiff.Neg(s)), loss), s)
		if total == nil {
			total = term
		} else {
			total = autodiff.Add(total, term)
		}
	}
	total.Backward()
	u.adam.Step()
	return float64(total.Item())
}

// Weights returns exp(−sₜ) for each task, the factor that currently
// multiplies its loss, or nil before Start.
func (u *Uncertainty) Weights() []float64 {
	if u.logVars == nil {
		return nil
	}
	w := make([]float64, len(u.logVars))
	for i, s := range u.logVars {
		w[i] = math.Exp(-float64(s.Item()))
	}
	return w
}
