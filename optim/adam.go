package optim

import (
	"math"

	"github.com/heed-ml/heed/asm"
	"github.com/heed-ml/heed/autodiff"
)

// Adam is the Adam optimizer (Kingma and Ba, arXiv:1412.6980) with bias
// correction, and with decoupled weight decay when built by NewAdamW. For
// each parameter p with gradient g at its t-th update (t counts from 1), as
// in PyTorch:
//
//	p = p − lr·λ·p                       (AdamW only, before the rest)
//	g = g + λ·p                          (Adam with weight decay only)
//	m = β1·m + (1−β1)·g
//	v = β2·v + (1−β2)·g²
//	p = p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)
//
// so ε is added after the square root of the bias-corrected second moment.
// Each parameter counts its own t, which starts when it first has a
// gradient.
type Adam struct {
	params      []*autodiff.Value
	lr          float64
	beta1       float64
	beta2       float64
	eps         float64
	weightDecay float64
	decoupled   bool

	// m and v are the first and second moment of each parameter and t its
	// number of updates. m and v start on the parameter's first update.
	m, v [][]float32
	t    []int
	// step is the kernel's argument, kept here so that passing its
	// address allocates nothing.
	step asm.AdamStep
}

// NewAdam returns an Adam optimizer for params with learning rate lr
// (PyTorch's default is 1e-3). It accepts WithBetas, WithEps and
// WithWeightDecay (L2, added to the gradient), and panics on a negative or
// non-finite lr, betas outside [0, 1), a negative ε or weight decay, or a
// nil, non-contiguous or repeated parameter.
func NewAdam(params []*autodiff.Value, lr float64, opts ...Option) *Adam {
	return newAdam("NewAdam", params, lr, 0, false, opts)
}

// NewAdamW returns an AdamW optimizer: Adam with decoupled weight decay,
// which shrinks each parameter by lr·λ·p before the Adam update instead of
// adding λ·p to the gradient. The weight decay defaults to 0.01, as in
// PyTorch; it accepts the same options as NewAdam.
func NewAdamW(params []*autodiff.Value, lr float64, opts ...Option) *Adam {
	return newAdam("NewAdamW", params, lr, 0.01, true, opts)
}

func newAdam(ctor string, params []*autodiff.Value, lr, weightDecay float64, decoupled bool, opts []Option) *Adam {
	defaults := options{beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: weightDecay}
	o := applyOptions(ctor, defaults, opts, "WithBetas", "WithEps", "WithWeightDecay")
	checkLR(ctor, lr)
	checkRange(ctor, "beta1", o.beta1, 0, 1, false)
	checkRange(ctor, "beta2", o.beta2, 0, 1, false)
	checkRange(ctor, "eps", o.eps, 0, math.MaxFloat64, true)
	checkRange(ctor, "weight decay", o.weightDecay, 0, math.MaxFloat64, true)
	checkParams(ctor, params)
	return &Adam{
		params:      append([]*autodiff.Value(nil), params...),
		lr:          lr,
		beta1:       o.beta1,
		beta2:       o.beta2,
		eps:         o.eps,
		weightDecay: o.weightDecay,
		decoupled:   decoupled,
		m:           make([][]float32, len(params)),
		v:           make([][]float32, len(params)),
		t:           make([]int, len(params)),
	}
}

// Step updates every parameter that has a gradient.
func (a *Adam) Step() {
	for i, p := range a.params {
		gt := p.Grad()
		if gt == nil {
			continue
		}
		pd := p.Data().Data()
		if a.m[i] == nil {
			a.m[i] = make([]float32, len(pd))
			a.v[i] = make([]float32, len(pd))
		}
		a.t[i]++

		// AdamW's shrink factor 1−lr·λ is folded into the kernel;
		// multiplying by exactly 1 leaves plain Adam's p unchanged.
		decay := float32(1)
		l2 := float32(0)
		if a.decoupled {
			decay = float32(1 - a.lr*a.weightDecay)
		} else {
			l2 = float32(a.weightDecay)
		}

		// The bias corrections are computed in float64, as PyTorch does
		// with Python floats, and only the per-element work is float32.
		t := float64(a.t[i])
		a.step = asm.AdamStep{
			// 1−β in float64 first: float32(0.999) is not 0.999, and
			// subtracting it from 1 in float32 would make 1−β2 wrong in
			// the fifth digit.
			Beta1: float32(a.beta1), OneMinusBeta1: float32(1 - a.beta1),
			Beta2: float32(a.beta2), OneMinusBeta2: float32(1 - a.beta2),
			Eps: float32(a.eps), Decay: decay, L2: l2,
			StepSize: float32(a.lr / (1 - math.Pow(a.beta1, t))),
			// Multiplying by 1/√(1−β2ᵗ), where PyTorch divides by
			// √(1−β2ᵗ), saves one division per element; the results
			// differ by at most an ulp or so.
			InvSqrtCorr2: float32(1 / math.Sqrt(1-math.Pow(a.beta2, t))),
		}
		// The kernel sets moments that decay into the subnormal range to
		// zero: dead ReLU units otherwise leave first moments stuck at
		// the smallest subnormal, and every later step pays a slow
		// microcode assist on each of them.
		asm.AdamUpdate(&a.step, pd, gt.Contiguous().Data(), a.m[i], a.v[i])
	}
}

// ZeroGrad sets every parameter's gradient to zero.
func (a *Adam) ZeroGrad() { zeroGrads(a.params) }

// LR returns the learning rate.
func (a *Adam) LR() float64 { return a.lr }

// SetLR sets the learning rate for the following steps. It panics on a
// negative or non-finite rate.
func (a *Adam) SetLR(lr float64) {
	checkLR("Adam.SetLR", lr)
	a.lr = lr
}
