package tensor

import (
	"math"

	"github.com/heed-ml/heed/asm"
)

// mapKernel returns a new tensor holding kernel applied to a's elements. A
// non-contiguous a is copied first, so the kernel, and therefore the result,
// is the same whatever a's layout.
func mapKernel(a *Tensor, kernel func(dst, x []float32)) *Tensor {
	out := Zeros(a.shape...)
	kernel(out.data, a.Contiguous().Data())
	return out
}

// mapScalar is mapKernel for the kernels that take a scalar operand.
func mapScalar(a *Tensor, s float32, kernel func(dst, x []float32, s float32)) *Tensor {
	out := Zeros(a.shape...)
	kernel(out.data, a.Contiguous().Data(), s)
	return out
}

// mapFunc returns a new tensor holding fn applied to each element of a, read
// in place through a's strides.
func mapFunc(a *Tensor, fn func(float32) float32) *Tensor {
	out := Zeros(a.shape...)
	if a.IsContiguous() {
		for i, v := range a.Data() {
			out.data[i] = fn(v)
		}
		return out
	}
	i := 0
	a.each(func(pos int) {
		out.data[i] = fn(a.data[pos])
		i++
	})
	return out
}

// AddScalar returns a + s elementwise.
func AddScalar(a *Tensor, s float32) *Tensor { return mapScalar(a, s, asm.AddScalarTo) }

// SubScalar returns a - s elementwise.
func SubScalar(a *Tensor, s float32) *Tensor { return mapScalar(a, s, asm.SubScalarTo) }

// ScalarSub returns s - a elementwise.
func ScalarSub(s float32, a *Tensor) *Tensor {
	out := Zeros(a.shape...)
	asm.ScalarSubTo(out.data, s, a.Contiguous().Data())
	return out
}

// MulScalar returns a * s elementwise.
func MulScalar(a *Tensor, s float32) *Tensor { return mapScalar(a, s, asm.MulScalarTo) }

// DivScalar returns a / s elementwise. It divides rather than multiplying by
// 1/s, so the results are correctly rounded quotients.
func DivScalar(a *Tensor, s float32) *Tensor { return mapScalar(a, s, asm.DivScalarTo) }

// ScalarDiv returns s / a elementwise.
func ScalarDiv(s float32, a *Tensor) *Tensor {
	out := Zeros(a.shape...)
	asm.ScalarDivTo(out.data, s, a.Contiguous().Data())
	return out
}

// Neg returns -a elementwise. It flips the sign bit, so Neg of +0 is -0.
func Neg(a *Tensor) *Tensor { return mapFunc(a, func(x float32) float32 { return -x }) }

// Exp returns e**a elementwise.
func Exp(a *Tensor) *Tensor { return mapKernel(a, asm.ExpTo) }

// Log returns the natural logarithm of a elementwise: -Inf at 0 and NaN
// below 0.
func Log(a *Tensor) *Tensor {
	return mapFunc(a, func(x float32) float32 { return float32(math.Log(float64(x))) })
}

// Sqrt returns the square root of a elementwise, NaN below 0. The result is
// correctly rounded, because a float64 square root of a float32 rounds to
// the same float32 as an exact one.
func Sqrt(a *Tensor) *Tensor {
	return mapFunc(a, func(x float32) float32 { return float32(math.Sqrt(float64(x))) })
}

// Tanh returns the hyperbolic tangent of a elementwise.
func Tanh(a *Tensor) *Tensor {
	return mapFunc(a, func(x float32) float32 { return float32(math.Tanh(float64(x))) })
}

// Sigmoid returns 1/(1+e**-a) elementwise. It evaluates exp only on
// non-positive arguments, so large |a| gives 0 or 1 rather than NaN.
func Sigmoid(a *Tensor) *Tensor { return mapFunc(a, sigmoid) }

func sigmoid(x float32) float32 {
	v := float64(x)
	if v >= 0 {
		return float32(1 / (1 + math.Exp(-v)))
	}
	// For negative v, exp(-v) could overflow; exp(v) cannot.
	e := math.Exp(v)
	return float32(e / (1 + e))
}

// ReLU returns max(a, 0) elementwise. NaN passes through, as in PyTorch.
func ReLU(a *Tensor) *Tensor { return mapKernel(a, asm.ReluTo) }

// Abs returns |a| elementwise by clearing the sign bit.
func Abs(a *Tensor) *Tensor {
	return mapFunc(a, func(x float32) float32 {
		return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
	})
}

// Square returns a*a elementwise.
func Square(a *Tensor) *Tensor {
	out := Zeros(a.shape...)
	src := a.Contiguous().Data()
	asm.MulTo(out.data, src, src)
	return out
}

// Pow returns a**p elementwise, with math.Pow's special cases (for example,
// a negative base with a non-integer p gives NaN).
func Pow(a *Tensor, p float32) *Tensor {
	switch p {
	case 1:
		return a.Clone()
	case 2:
		// Exact: a float32 product rounds the same as math.Pow(x, 2) would.
		return Square(a)
	}
	pp := float64(p)
	return mapFunc(a, func(x float32) float32 { return float32(math.Pow(float64(x), pp)) })
}

// Apply returns a new tensor holding fn applied to each element of a, in
// row-major order.
func Apply(a *Tensor, fn func(float32) float32) *Tensor { return mapFunc(a, fn) }
