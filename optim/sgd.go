package optim

import (
	"math"

	"github.com/heed-ml/heed/asm"
	"github.com/heed-ml/heed/autodiff"
)

// SGD is stochastic gradient descent with optional momentum, Nesterov
// momentum and L2 weight decay, with PyTorch's update (dampening 0). For
// each parameter p with gradient g:
//
//	d = g + λ·p             (weight decay)
//	b = μ·b + d             (momentum buffer, starting from b = d)
//	d = d + μ·b if Nesterov, else d = b
//	p = p − lr·d
//
// Without momentum the buffer is skipped and d is used directly.
type SGD struct {
	params      []*autodiff.Value
	lr          float64
	momentum    float64
	nesterov    bool
	weightDecay float64

	// buf holds each parameter's momentum buffer and scratch its
	// decayed gradient; both are allocated on the parameter's first
	// update and only when needed.
	buf     [][]float32
	scratch [][]float32
}

// NewSGD returns an SGD optimizer for params with learning rate lr. It
// accepts WithMomentum, WithNesterov and WithWeightDecay, and panics on a
// negative or non-finite lr, momentum outside [0, 1), negative weight decay,
// Nesterov without momentum, or a nil, non-contiguous or repeated parameter.
func NewSGD(params []*autodiff.Value, lr float64, opts ...Option) *SGD {
	const ctor = "NewSGD"
	o := applyOptions(ctor, options{}, opts, "WithMomentum", "WithNesterov", "WithWeightDecay")
	checkLR(ctor, lr)
	checkRange(ctor, "momentum", o.momentum, 0, 1, false)
	checkRange(ctor, "weight decay", o.weightDecay, 0, math.MaxFloat64, true)
	if o.nesterov && o.momentum == 0 {
		panic("optim.NewSGD: WithNesterov needs WithMomentum with a momentum above 0")
	}
	checkParams(ctor, params)
	return &SGD{
		params:      append([]*autodiff.Value(nil), params...),
		lr:          lr,
		momentum:    o.momentum,
		nesterov:    o.nesterov,
		weightDecay: o.weightDecay,
		buf:         make([][]float32, len(params)),
		scratch:     make([][]float32, len(params)),
	}
}

// Step updates every parameter that has a gradient.
func (s *SGD) Step() {
	lr := float32(s.lr)
	mu := float32(s.momentum)
	for i, p := range s.params {
		gt := p.Grad()
		if gt == nil {
			continue
		}
		pd := p.Data().Data()
		d := gt.Contiguous().Data()

		// d moves into scratch before it is changed, so the caller's
		// gradient stays the raw gradient, as in PyTorch.
		inScratch := false
		if s.weightDecay != 0 {
			d = s.copyToScratch(i, d)
			inScratch = true
			asm.AxpyUnitary(float32(s.weightDecay), pd, d)
		}

		if s.momentum != 0 {
			b := s.buf[i]
			if b == nil {
				// PyTorch starts the buffer at the first gradient, which
				// equals μ·0 + d.
				b = make([]float32, len(pd))
				s.buf[i] = b
			}
			asm.ScalUnitary(mu, b)
			asm.AxpyUnitary(1, d, b)
			if s.nesterov {
				if !inScratch {
					d = s.copyToScratch(i, d)
				}
				asm.AxpyUnitary(mu, b, d)
			} else {
				d = b
			}
		}

		asm.AxpyUnitary(-lr, d, pd)
	}
}

// copyToScratch copies d into parameter i's scratch buffer, allocating it
// on first use, and returns the buffer.
func (s *SGD) copyToScratch(i int, d []float32) []float32 {
	if s.scratch[i] == nil {
		s.scratch[i] = make([]float32, len(d))
	}
	copy(s.scratch[i], d)
	return s.scratch[i]
}

// ZeroGrad sets every parameter's gradient to zero.
func (s *SGD) ZeroGrad() { zeroGrads(s.params) }

// LR returns the learning rate.
func (s *SGD) LR() float64 { return s.lr }

// SetLR sets the learning rate for the following steps. It panics on a
// negative or non-finite rate.
func (s *SGD) SetLR(lr float64) {
	checkLR("SGD.SetLR", lr)
	s.lr = lr
}
