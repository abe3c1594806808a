// Package optim updates autodiff parameters from their gradients: SGD with
// momentum, Nesterov momentum and weight decay, Adam and AdamW, learning-rate
// schedules and gradient-norm clipping. The update rules follow PyTorch's
// torch.optim, so hyperparameters carry over.
//
// Optimizers take the parameters as []*autodiff.Value; nn.Values converts a
// model's named parameters. A training step is
//
//	loss := nn.CrossEntropy(model.Forward(x), labels)
//	loss.Backward()
//	opt.Step()
//	opt.ZeroGrad()
//
// Step updates each parameter's tensor in place and skips parameters whose
// gradient is nil (none has reached them yet). Optimizer state is created
// the first time a parameter is updated and reused afterwards, so Step
// allocates nothing in steady state. Updates run on the flat data slices,
// through the asm kernels where one fits.
package optim

import (
	"fmt"
	"math"

	"github.com/heed-ml/heed/autodiff"
)

// Optimizer updates a fixed set of parameters from their gradients.
type Optimizer interface {
	// Step updates every parameter that has a gradient.
	Step()
	// ZeroGrad sets every parameter's gradient to zero, keeping its buffer.
	ZeroGrad()
	// LR returns the current learning rate.
	LR() float64
	// SetLR sets the learning rate used by the next Step, as a Schedule
	// does between steps.
	SetLR(lr float64)
}

// Option sets a hyperparameter of an optimizer. Each constructor lists the
// options it accepts and panics on one that does not apply to it, such as
// WithMomentum passed to NewAdam.
type Option func(*options)

type options struct {
	momentum    float64
	nesterov    bool
	weightDecay float64
	beta1       float64
	beta2       float64
	eps         float64

	// set records which options were passed, by name, so a constructor can
	// reject the ones it does not use.
	set []string
}

// WithMomentum sets SGD's momentum factor μ in [0, 1) (default 0).
func WithMomentum(mu float64) Option {
	return func(o *options) { o.momentum = mu; o.set = append(o.set, "WithMomentum") }
}

// WithNesterov makes SGD use Nesterov momentum; it needs WithMomentum with
// μ > 0.
func WithNesterov() Option {
	return func(o *options) { o.nesterov = true; o.set = append(o.set, "WithNesterov") }
}

// WithWeightDecay sets the weight decay λ ≥ 0. SGD and Adam add λ·p to the
// gradient (L2 regularization); AdamW instead shrinks p by lr·λ·p before the
// update (decoupled weight decay). Defaults: 0 for SGD and Adam, 0.01 for
// AdamW, as in PyTorch.
func WithWeightDecay(lambda float64) Option {
	return func(o *options) { o.weightDecay = lambda; o.set = append(o.set, "WithWeightDecay") }
}

// WithBetas sets Adam's decay rates β1 and β2 in [0, 1) for the moving
// averages of the gradient and of its square (defaults 0.9 and 0.999).
func WithBetas(beta1, beta2 float64) Option {
	return func(o *options) { o.beta1, o.beta2 = beta1, beta2; o.set = append(o.set, "WithBetas") }
}

// WithEps sets Adam's ε ≥ 0, added to the denominator after the square root
// (default 1e-8).
func WithEps(eps float64) Option {
	return func(o *options) { o.eps = eps; o.set = append(o.set, "WithEps") }
}

// applyOptions runs opts over defaults and panics, naming the constructor,
// if one of them is not in allowed.
func applyOptions(ctor string, defaults options, opts []Option, allowed ...string) options {
	o := defaults
	for _, opt := range opts {
		if opt == nil {
			panic(fmt.Sprintf("optim.%s: nil Option", ctor))
		}
		opt(&o)
	}
	for _, name := range o.set {
		ok := false
		for _, a := range allowed {
			ok = ok || a == name
		}
		if !ok {
			panic(fmt.Sprintf("optim.%s: option %s does not apply; accepted options: %v", ctor, name, allowed))
		}
	}
	return o
}

// checkParams panics, naming the constructor, if params contains nil, a
// value whose data is not contiguous, or the same value twice (which would
// update it twice per Step).
func checkParams(ctor string, params []*autodiff.Value) {
	seen := make(map[*autodiff.Value]int, len(params))
	for i, p := range params {
		if p == nil {
			panic(fmt.Sprintf("optim.%s: parameter %d is nil", ctor, i))
		}
		if !p.Data().IsContiguous() {
			panic(fmt.Sprintf("optim.%s: parameter %d (shape %v) is a non-contiguous view; pass the tensor that owns the data", ctor, i, p.Shape()))
		}
		if j, dup := seen[p]; dup {
			panic(fmt.Sprintf("optim.%s: parameter %d is the same value as parameter %d; list each parameter once", ctor, i, j))
		}
		seen[p] = i
	}
}

// checkRange panics unless lo ≤ v < hi (or v ≤ hi when closed is true),
// which also rejects NaN.
func checkRange(ctor, name string, v, lo, hi float64, closed bool) {
	ok := v >= lo && (v < hi || closed && v <= hi)
	if !ok {
		bracket := ")"
		if closed {
			bracket = "]"
		}
		panic(fmt.Sprintf("optim.%s: %s = %v outside [%v, %v%s", ctor, name, v, lo, hi, bracket))
	}
}

// checkLR panics unless lr is finite and non-negative.
func checkLR(where string, lr float64) {
	if !(lr >= 0 && lr <= math.MaxFloat64) {
		panic(fmt.Sprintf("optim.%s: learning rate %v must be finite and non-negative", where, lr))
	}
}

// zeroGrads sets the gradient of every parameter to zero.
func zeroGrads(params []*autodiff.Value) {
	for _, p := range params {
		p.ZeroGrad()
	}
}
