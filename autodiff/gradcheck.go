package autodiff

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/heed-ml/heed/tensor"
)

// GradCheckOptions tunes GradCheck. Zero fields take the defaults.
type GradCheckOptions struct {
	// Eps is the step of the central difference (default 1e-2, large
	// because the function is evaluated in float32).
	Eps float64
	// ATol and RTol bound the accepted difference between the backward
	// gradient a and the numerical one n: |a − n| ≤ ATol + RTol·max(|a|, |n|).
	// Defaults 1e-3 and 1e-2.
	ATol, RTol float64
	// Seed chooses the random upstream gradient used for non-scalar outputs.
	Seed uint64
}

// GradCheck compares the gradients that Backward computes for f at inputs
// with central differences, and returns an error that names the first
// mismatching input and element, or nil if all agree.
//
// f must build its result from the values it is given. For a non-scalar
// output, GradCheck checks the gradient of Σ r⊙f(x) for a fixed random r,
// which exercises every output element at once. The sums of the numerical
// side are accumulated in float64, so the float32 rounding of f is the only
// noise. Choose inputs away from kinks (ReLU at 0, ties in Max), where the
// derivative is not defined.
func GradCheck(f func(xs []*Value) *Value, inputs []*tensor.Tensor, opts *GradCheckOptions) error {
	o := GradCheckOptions{Eps: 1e-2, ATol: 1e-3, RTol: 1e-2}
	if opts != nil {
		if opts.Eps > 0 {
			o.Eps = opts.Eps
		}
		if opts.ATol > 0 {
			o.ATol = opts.ATol
		}
		if opts.RTol > 0 {
			o.RTol = opts.RTol
		}
		o.Seed = opts.Seed
	}

	// Analytic side: one backward pass seeded with r.
	params := make([]*Value, len(inputs))
	for i, t := range inputs {
		params[i] = Param(t.Clone())
	}
	out := f(params)
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	r := tensor.Ones(out.Shape()...)
	if out.data.Size() > 1 {
		r = tensor.RandUniform(rng, -1, 1, out.Shape()...)
	}
	out.BackwardWith(r)
	rd := r.Data()

	objective := func(xs []*tensor.Tensor) float64 {
		vals := make([]*Value, len(xs))
		for i, t := range xs {
			vals[i] = Const(t)
		}
		var res *Value
		NoGrad(func() { res = f(vals) })
		var s float64
		for j, v := range res.data.Contiguous().Data() {
			s += float64(rd[j]) * float64(v)
		}
		return s
	}

	// Numerical side: perturb one element at a time.
	work := make([]*tensor.Tensor, len(inputs))
	for i, t := range inputs {
		work[i] = t.Clone()
	}
	failures := 0
	var first error
	for i := range work {
		analytic := params[i].Grad()
		if analytic == nil {
			analytic = tensor.ZerosLike(work[i])
		}
		ad := analytic.Contiguous().Data()
		wd := work[i].Data()
		for j := range wd {
			orig := wd[j]
			wd[j] = orig + float32(o.Eps)
			plus := objective(work)
			wd[j] = orig - float32(o.Eps)
			minus := objective(work)
			wd[j] = orig
			// Divide by the step actually taken in float32, not the
			// requested one, so rounding of x ± eps does not bias the slope.
			step := float64(orig+float32(o.Eps)) - float64(orig-float32(o.Eps))
			numeric := (plus - minus) / step
			a := float64(ad[j])
			if math.Abs(a-numeric) > o.ATol+o.RTol*math.Max(math.Abs(a), math.Abs(numeric)) || math.IsNaN(a) {
				failures++
				if first == nil {
					first = fmt.Errorf("input %d (shape %v) element %d: backward gives %.6g, central difference gives %.6g", i, work[i].Shape(), j, a, numeric)
				}
			}
		}
	}
	if failures > 0 {
		return fmt.Errorf("autodiff.GradCheck: %d gradient element(s) disagree; first: %w", failures, first)
	}
	return nil
}
