package autodiff

import (
	"math"

	"github.com/heed-ml/heed/tensor"
)

// GELU returns the exact Gaussian error linear unit x·Φ(x), where Φ is the
// standard normal CDF, as PyTorch's default nn.GELU computes it.
func GELU(a *Value) *Value {
	return Apply(opGELU, tensor.Apply(a.data, geluScalar), nil, a)
}

func geluScalar(x float32) float32 {
	v := float64(x)
	return float32(0.5 * v * (1 + math.Erf(v/math.Sqrt2)))
}

// ∂(x·Φ(x))/∂x = Φ(x) + x·φ(x), with φ the standard normal density.
func geluBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	deriv := tensor.Apply(out.inputs[0].data, func(x float32) float32 {
		v := float64(x)
		cdf := 0.5 * (1 + math.Erf(v/math.Sqrt2))
		pdf := math.Exp(-0.5*v*v) / math.Sqrt(2*math.Pi)
		return float32(cdf + v*pdf)
	})
	return []*tensor.Tensor{tensor.Mul(g, deriv)}
}
