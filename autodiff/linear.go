package autodiff

import (
	"fmt"

	"github.com/heed-ml/heed/asm"
	"github.com/heed-ml/heed/tensor"
)

// Linear returns x·w + b, the affine map of a dense layer, as one fused op.
// x is [..., in], w is [in, out] and b is [out] or nil; the result is
// [..., out]. The weight is stored input-major, as in Keras and JAX, so the
// forward pass is a plain matrix product.
func Linear(x, w, b *Value) *Value {
	xs, ws := x.Shape(), w.Shape()
	if len(ws) != 2 || len(xs) == 0 || xs[len(xs)-1] != ws[0] {
		panic(fmt.Sprintf("autodiff.Linear: input %v does not match weight %v (want [..., %d])", xs, ws, firstOr(ws)))
	}
	if b != nil && (len(b.Shape()) != 1 || b.Shape()[0] != ws[1]) {
		panic(fmt.Sprintf("autodiff.Linear: bias shape %v, want [%d] for weight %v", b.Shape(), ws[1], ws))
	}
	in, outDim := ws[0], ws[1]
	rows := x.data.Size() / max(in, 1)
	if in == 0 {
		rows = x.data.Size()
	}

	xd := x.data.Contiguous().Data()
	outShape := make([]int, len(xs))
	copy(outShape, xs)
	outShape[len(xs)-1] = outDim
	y := tensor.Zeros(outShape...)
	yd := y.Data()

	// Start each output row from the bias, then let SGEMM add x·w onto it
	// with beta = 1, so the bias costs no extra pass.
	beta := float32(0)
	if b != nil {
		bd := b.data.Contiguous().Data()
		for r := 0; r < rows; r++ {
			copy(yd[r*outDim:(r+1)*outDim], bd)
		}
		beta = 1
	}
	asm.Sgemm(false, false, rows, outDim, in, 1, xd, in, w.data.Contiguous().Data(), outDim, beta, yd, outDim)

	inputs := []*Value{x, w, b}
	if b == nil {
		inputs = inputs[:2]
	}
	return Apply(opLinear, y, nil, inputs...)
}

func firstOr(s []int) int {
	if len(s) == 0 {
		return 0
	}
	return s[0]
}

// For y = x·w + b with upstream gradient G: ∂L/∂x = G·wᵀ, ∂L/∂w = xᵀ·G and
// ∂L/∂b = the column sums of G. A weight or bias that is a leaf gets its
// gradient added straight into its Grad (see gradTarget), through SGEMM's
// beta for the weight.
func linearBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	x, w := out.inputs[0], out.inputs[1]
	in, outDim := w.Shape()[0], w.Shape()[1]
	rows := x.data.Size() / max(in, 1)
	gd := g.Contiguous().Data()

	grads := make([]*tensor.Tensor, len(out.inputs))
	if x.requiresGrad {
		dx := out.newGrad(x.Shape()...)
		asm.Sgemm(false, true, rows, in, outDim, 1, gd, outDim, w.data.Contiguous().Data(), outDim, 0, dx.Data(), in)
		grads[0] = dx
	}
	if w.requiresGrad {
		dw, beta, ret := out.gradTarget(w)
		xd := x.data.Contiguous().Data()
		asm.Sgemm(true, false, in, outDim, rows, 1, xd, in, gd, outDim, beta, dw.Data(), outDim)
		if ret {
			grads[1] = dw
		}
	}
	if len(out.inputs) == 3 && out.inputs[2].requiresGrad {
		db, beta, ret := out.gradTarget(out.inputs[2])
		dbd := db.Data()
		if beta == 0 {
			clear(dbd)
		}
		for r := 0; r < rows; r++ {
			asm.AddTo(dbd, dbd, gd[r*outDim:(r+1)*outDim])
		}
		if ret {
			grads[2] = db
		}
	}
	return grads
}
