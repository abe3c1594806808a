package autodiff

import (
	"github.com/heed-ml/heed/asm"
	"github.com/heed-ml/heed/tensor"
)

// ReLU returns max(a, 0) elementwise.
func ReLU(a *Value) *Value { return Apply(opReLU, tensor.ReLU(a.data), nil, a) }

// ∂max(a,0)/∂a is 1 where a > 0 and 0 elsewhere, including at a = 0 (the
// PyTorch convention).
func reluBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	x := out.inputs[0].data.Contiguous()
	gc := g.Contiguous()
	dx := out.newGrad(x.Shape()...)
	asm.ReluBackwardTo(dx.Data(), gc.Data(), x.Data())
	return []*tensor.Tensor{dx}
}
