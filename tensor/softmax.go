package tensor

import (
	"math"

	"github.com/heed-ml/heed/asm"
)

// Softmax returns exp(a) normalised to sum to 1 along axis. It subtracts the
// maximum along the axis before exponentiating, so logits of any finite
// size give finite results. A NaN along the axis makes that whole slice
// NaN.
func Softmax(a *Tensor, axis int) *Tensor {
	axis = a.normAxis("Softmax", axis)
	x, restore := moveAxisLast(a, axis)
	out := Zeros(x.shape...)
	cols := x.shape[len(x.shape)-1]
	if cols > 0 {
		asm.SoftmaxRows(out.data, x.Data(), len(out.data)/cols, cols)
	}
	return restore(out)
}

// LogSoftmax returns log(Softmax(a, axis)) computed as
// x - max - log(sum(exp(x - max))), which stays finite where Softmax
// underflows to 0: LogSoftmax of logits [1000, -1000] is exactly [0, -2000].
func LogSoftmax(a *Tensor, axis int) *Tensor {
	axis = a.normAxis("LogSoftmax", axis)
	x, restore := moveAxisLast(a, axis)
	out := Zeros(x.shape...)
	cols := x.shape[len(x.shape)-1]
	if cols == 0 {
		return restore(out)
	}
	src := x.Data()
	shifted := make([]float32, cols)
	for r := range len(src) / cols {
		row := src[r*cols : (r+1)*cols]
		dst := out.data[r*cols : (r+1)*cols]
		m := asm.Max(row)
		asm.SubScalarTo(shifted, row, m)
		asm.ExpTo(dst, shifted)
		lse := float32(math.Log(float64(asm.Sum(dst))))
		asm.SubScalarTo(dst, shifted, lse)
	}
	return restore(out)
}

// moveAxisLast returns a contiguous tensor with axis moved to the end, and a
// function that moves it back in a result of that layout. When axis is
// already last and a is contiguous, neither step copies.
func moveAxisLast(a *Tensor, axis int) (*Tensor, func(*Tensor) *Tensor) {
	last := a.Dims() - 1
	if axis == last {
		return a.Contiguous(), func(t *Tensor) *Tensor { return t }
	}
	return a.Transpose(axis, last).Contiguous(), func(t *Tensor) *Tensor {
		return t.Transpose(axis, last).Contiguous()
	}
}
