package asm

import "math"

// This file holds the plain-Go reference kernels. Each one is the exact
// specification that the SIMD tiers must reproduce: bit for bit for the
// elementwise kernels, within a stated bound for reductions, exp and SGEMM.

// AddToGeneric computes
//
//	for i := range dst { dst[i] = x[i] + y[i] }
func AddToGeneric(dst, x, y []float32) {
	for i := range dst {
		dst[i] = x[i] + y[i]
	}
}

// SubToGeneric computes
//
//	for i := range dst { dst[i] = x[i] - y[i] }
func SubToGeneric(dst, x, y []float32) {
	for i := range dst {
		dst[i] = x[i] - y[i]
	}
}

// MulToGeneric computes
//
//	for i := range dst { dst[i] = x[i] * y[i] }
func MulToGeneric(dst, x, y []float32) {
	for i := range dst {
		dst[i] = x[i] * y[i]
	}
}

// DivToGeneric computes
//
//	for i := range dst { dst[i] = x[i] / y[i] }
func DivToGeneric(dst, x, y []float32) {
	for i := range dst {
		dst[i] = x[i] / y[i]
	}
}

// AddScalarToGeneric computes
//
//	for i := range dst { dst[i] = x[i] + s }
func AddScalarToGeneric(dst, x []float32, s float32) {
	for i := range dst {
		dst[i] = x[i] + s
	}
}

// SubScalarToGeneric computes
//
//	for i := range dst { dst[i] = x[i] - s }
func SubScalarToGeneric(dst, x []float32, s float32) {
	for i := range dst {
		dst[i] = x[i] - s
	}
}

// ScalarSubToGeneric computes
//
//	for i := range dst { dst[i] = s - x[i] }
func ScalarSubToGeneric(dst []float32, s float32, x []float32) {
	for i := range dst {
		dst[i] = s - x[i]
	}
}

// MulScalarToGeneric computes
//
//	for i := range dst { dst[i] = x[i] * s }
func MulScalarToGeneric(dst, x []float32, s float32) {
	for i := range dst {
		dst[i] = x[i] * s
	}
}

// DivScalarToGeneric computes
//
//	for i := range dst { dst[i] = x[i] / s }
func DivScalarToGeneric(dst, x []float32, s float32) {
	for i := range dst {
		dst[i] = x[i] / s
	}
}

// ScalarDivToGeneric computes
//
//	for i := range dst { dst[i] = s / x[i] }
func ScalarDivToGeneric(dst []float32, s float32, x []float32) {
	for i := range dst {
		dst[i] = s / x[i]
	}
}

// ScalUnitaryGeneric computes
//
//	for i := range x { x[i] *= alpha }
func ScalUnitaryGeneric(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

// AxpyUnitaryGeneric computes
//
//	for i := range y { y[i] += alpha * x[i] }
func AxpyUnitaryGeneric(alpha float32, x, y []float32) {
	for i := range y {
		y[i] += alpha * x[i]
	}
}

// DotUnitaryGeneric computes
//
//	var sum float32
//	for i := range x { sum += x[i] * y[i] }
//	return sum
func DotUnitaryGeneric(x, y []float32) float32 {
	var sum float32
	for i := range x {
		sum += x[i] * y[i]
	}
	return sum
}

// ReluToGeneric computes
//
//	for i := range dst { if x[i] > 0 || x[i] != x[i] { dst[i] = x[i] } else { dst[i] = 0 } }
//
// so NaN passes through (as in PyTorch) and -0 becomes +0.
func ReluToGeneric(dst, x []float32) {
	for i := range dst {
		v := x[i]
		if v > 0 || v != v {
			dst[i] = v
		} else {
			dst[i] = 0
		}
	}
}

// ReluBackwardToGeneric computes the ReLU gradient mask
//
//	for i := range dst { if x[i] > 0 { dst[i] = dy[i] } else { dst[i] = 0 } }
//
// where x is the ReLU's input and dy the gradient of its output.
func ReluBackwardToGeneric(dst, dy, x []float32) {
	for i := range dst {
		if x[i] > 0 {
			dst[i] = dy[i]
		} else {
			dst[i] = 0
		}
	}
}

// ExpToGeneric computes
//
//	for i := range dst { dst[i] = float32(math.Exp(float64(x[i]))) }
func ExpToGeneric(dst, x []float32) {
	for i := range dst {
		dst[i] = float32(math.Exp(float64(x[i])))
	}
}

// SumGeneric returns the sum of x, accumulated in float64 so that the result
// is the correctly rounded sum for all but pathological inputs.
//
//	var s float64
//	for _, v := range x { s += float64(v) }
//	return float32(s)
func SumGeneric(x []float32) float32 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return float32(s)
}

// MaxGeneric returns the largest element of x, NaN if any element is NaN,
// and -Inf for an empty slice.
//
//	m := float32(math.Inf(-1))
//	for _, v := range x { if v != v { return v }; if v > m { m = v } }
//	return m
func MaxGeneric(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v != v {
			return v
		}
		if v > m {
			m = v
		}
	}
	return m
}

// SoftmaxRowsGeneric writes the softmax of each of the rows×cols row-major
// rows of x into dst:
//
//	for r := 0; r < rows; r++ {
//		row := x[r*cols : (r+1)*cols]
//		m := MaxGeneric(row)
//		e := exp(row[j] - m) for each j
//		dst[r*cols+j] = e[j] / sum(e)
//	}
//
// Subtracting the row maximum keeps exp from overflowing on large logits.
func SoftmaxRowsGeneric(dst, x []float32, rows, cols int) {
	for r := 0; r < rows; r++ {
		row := x[r*cols : (r+1)*cols]
		out := dst[r*cols : (r+1)*cols]
		m := MaxGeneric(row)
		var s float64
		for j, v := range row {
			e := float32(math.Exp(float64(v - m)))
			out[j] = e
			s += float64(e)
		}
		inv := float32(1 / s)
		for j := range out {
			out[j] *= inv
		}
	}
}
