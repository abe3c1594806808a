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
// the batch-flattened matrices.
func matMulBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	a, b := out.inputs[0], out.inputs[1]
	var ga, gb *tensor.Tensor
	switch {
	case a.data.Dims() == b.data.Dims():
		if a.requiresGrad {
			ga = tensor.MatMulT(g, b.data, false, true)
		}
		if b.requiresGrad {
			gb = tensor.MatMulT(a.data, g, true, false)
		}
	case a.data.Dims() == 3 && b.data.Dims() == 2:
		batch, m, k := a.data.Dim(0), a.data.Dim(1), a.data.Dim(2)
		n := b.data.Dim(1)
		g2 := g.Reshape(batch*m, n)
		if a.requiresGrad {
			ga = tensor.MatMulT(g2, b.data, false, true).Reshape(batch, m, k)
		}
		if b.requiresGrad {
			gb = tensor.MatMulT(a.data.Reshape(batch*m, k), g2, true, false)
		}
	default:
		panic(fmt.Sprintf("autodiff.MatMul backward: unsupported shapes %v and %v", a.Shape(), b.Shape()))
	}
	return []*tensor.Tensor{ga, gb}
}
