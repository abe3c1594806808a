package autodiff

import "github.com/heed-ml/heed/tensor"

// The scalar ops keep the scalar on the side where it is written, so
// ScalarSub(s, a) is s − a and ScalarDiv(s, a) is s/a.

// AddScalar returns a + s.
func AddScalar(a *Value, s float32) *Value {
	return Apply(opAddScalar, tensor.AddScalar(a.data, s), s, a)
}

// ∂(a+s)/∂a = 1.
func addScalarBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{g}
}

// SubScalar returns a − s.
func SubScalar(a *Value, s float32) *Value {
	return Apply(opSubScalar, tensor.SubScalar(a.data, s), s, a)
}

// ∂(a−s)/∂a = 1.
func subScalarBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{g}
}

// ScalarSub returns s − a.
func ScalarSub(s float32, a *Value) *Value {
	return Apply(opScalarSub, tensor.ScalarSub(s, a.data), s, a)
}

// ∂(s−a)/∂a = −1.
func scalarSubBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{tensor.Neg(g)}
}

// MulScalar returns a·s.
func MulScalar(a *Value, s float32) *Value {
	return Apply(opMulScalar, tensor.MulScalar(a.data, s), s, a)
}

// ∂(a·s)/∂a = s.
func mulScalarBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{tensor.MulScalar(g, out.saved.(float32))}
}

// DivScalar returns a/s.
func DivScalar(a *Value, s float32) *Value {
	return Apply(opDivScalar, tensor.DivScalar(a.data, s), s, a)
}

// ∂(a/s)/∂a = 1/s.
func divScalarBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{tensor.DivScalar(g, out.saved.(float32))}
}

// ScalarDiv returns s/a.
func ScalarDiv(s float32, a *Value) *Value {
	return Apply(opScalarDiv, tensor.ScalarDiv(s, a.data), s, a)
}

// ∂(s/a)/∂a = −s/a² = −(s/a)/a.
func scalarDivBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	a := out.inputs[0]
	return []*tensor.Tensor{tensor.Neg(tensor.Div(tensor.Mul(g, out.data), a.data))}
}
