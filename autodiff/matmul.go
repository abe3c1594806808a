package autodiff

import (
	"fmt"

	"github.com/heed-ml/heed/tensor"
)

// MatMul returns the matrix product of a and b: [m,k]·[k,n] → [m,n],
// batched [B,m,k]·[B,k,n] → [B,m,n], or [B,m,k]·[k,n] → [B,m,n] with b
// shared across the batch.
func MatMul(a, b *Value) *Value {
	return Apply(opMatMul, tensor.MatMul(a.data, b.data), nil, a, b)
}

// For C = A·B: ∂L/∂A = G·Bᵀ and ∂L/∂B = Aᵀ·G. When b is shared across a
// batch, its gradient is the sum over the batch, computed as one product of
// the batch-flattened matrices. An operand that is a leaf gets its gradient
// added straight into its Grad (see gradTarget).
func matMulBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	a, b := out.inputs[0], out.inputs[1]
	grads := make([]*tensor.Tensor, 2)
	switch {
	case a.data.Dims() == b.data.Dims():
		if a.requiresGrad {
			ga, beta, ret := out.gradTarget(a)
			tensor.MatMulTInto(ga, g, b.data, false, true, beta)
			if ret {
				grads[0] = ga
			}
		}
		if b.requiresGrad {
			gb, beta, ret := out.gradTarget(b)
			tensor.MatMulTInto(gb, a.data, g, true, false, beta)
			if ret {
				grads[1] = gb
			}
		}
	case a.data.Dims() == 3 && b.data.Dims() == 2:
		batch, m, k := a.data.Dim(0), a.data.Dim(1), a.data.Dim(2)
		n := b.data.Dim(1)
		g2 := g.Reshape(batch*m, n)
		if a.requiresGrad {
			ga, beta, ret := out.gradTarget(a)
			tensor.MatMulTInto(ga.Reshape(batch*m, k), g2, b.data, false, true, beta)
			if ret {
				grads[0] = ga
			}
		}
		if b.requiresGrad {
			gb, beta, ret := out.gradTarget(b)
			tensor.MatMulTInto(gb, a.data.Reshape(batch*m, k), g2, true, false, beta)
			if ret {
				grads[1] = gb
			}
		}
	default:
		panic(fmt.Sprintf("autodiff.MatMul backward: unsupported shapes %v and %v", a.Shape(), b.Shape()))
	}
	return grads
}
