package optim_test

import (
	"fmt"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/optim"
	"github.com/heed-ml/heed/tensor"
)

// Minimizing (p − 3)² with Nesterov SGD, the learning rate halved every 20
// steps.
func ExampleNewSGD() {
	p := autodiff.Param(tensor.FromSlice([]float32{0}))
	opt := optim.NewSGD([]*autodiff.Value{p}, 0.1, optim.WithMomentum(0.9), optim.WithNesterov())
	schedule := optim.NewStepLR(0.1, 20, 0.5)
	for step := range 60 {
		opt.SetLR(schedule.LR(step))
		d := autodiff.SubScalar(p, 3)
		autodiff.SumAll(autodiff.Mul(d, d)).Backward()
		opt.Step()
		opt.ZeroGrad()
	}
	fmt.Printf("p = %.2f\n", p.Data().Data()[0])
	// Output:
	// p = 3.00
}

// Clipping the gradient (3, 4), of norm 5, to norm 1.
func ExampleClipGradNorm() {
	p := autodiff.Param(tensor.FromSlice([]float32{0, 0}))
	g := autodiff.Const(tensor.FromSlice([]float32{3, 4}))
	autodiff.SumAll(autodiff.Mul(p, g)).Backward()
	norm := optim.ClipGradNorm([]*autodiff.Value{p}, 1)
	fmt.Printf("norm before: %.1f, gradient after: %.3f\n", norm, p.Grad().Data())
	// Output:
	// norm before: 5.0, gradient after: [0.600 0.800]
}
