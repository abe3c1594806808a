package tensor

import (
	"fmt"

	"github.com/heed-ml/heed/asm"
)

// Sum returns the sum of a along axis, which may be negative to count from
// the end. With keepDims the axis stays with size 1; otherwise it is
// removed. Partial sums are kept in float64, so a long sum does not drop
// small terms the way a float32 running sum does.
func Sum(a *Tensor, axis int, keepDims bool) *Tensor {
	return reduceAxisSum("Sum", a, axis, keepDims, false)
}

// Mean returns the mean of a along axis, like Sum. The mean over an empty
// axis is NaN, as in NumPy.
func Mean(a *Tensor, axis int, keepDims bool) *Tensor {
	return reduceAxisSum("Mean", a, axis, keepDims, true)
}

func reduceAxisSum(op string, a *Tensor, axis int, keepDims, mean bool) *Tensor {
	axis = a.normAxis(op, axis)
	out := Zeros(reducedShape(a.shape, axis, keepDims)...)
	reduce := make([]bool, len(a.shape))
	reduce[axis] = true
	divisor := 1.0
	if mean {
		divisor = float64(a.shape[axis])
	}
	src := a.Contiguous()
	sumAxes(out.data, src.Data(), src.shape, reduce, divisor)
	return out
}

// reducedShape returns shape without axis, or with axis set to 1 when
// keepDims is true.
func reducedShape(shape []int, axis int, keepDims bool) []int {
	out := make([]int, 0, len(shape))
	for i, s := range shape {
		switch {
		case i != axis:
			out = append(out, s)
		case keepDims:
			out = append(out, 1)
		}
	}
	return out
}

// axisGroup is a run of neighbouring axes that are all reduced or all kept,
// merged into one axis of their combined size.
type axisGroup struct {
	size   int
	reduce bool
}

// sumAxes writes into dst the sums of the row-major src, of the given shape,
// over the axes marked in reduce, divided by divisor. dst holds the kept
// axes in row-major order. Callers validate the shapes.
func sumAxes(dst, src []float32, shape []int, reduce []bool, divisor float64) {
	if len(src) == 0 {
		// Every sum is over no terms: 0, or NaN for the mean of nothing.
		v := float32(0 / divisor)
		for i := range dst {
			dst[i] = v
		}
		return
	}

	// Drop size-1 axes and merge runs of like axes, so that a reduction
	// of [B,N] to [1,N] and of [A,B,N] to [N] each have two groups.
	var groups []axisGroup
	for i, s := range shape {
		switch {
		case s == 1:
		case len(groups) > 0 && groups[len(groups)-1].reduce == reduce[i]:
			groups[len(groups)-1].size *= s
		default:
			groups = append(groups, axisGroup{s, reduce[i]})
		}
	}

	// Reductions over the trailing axes only: one asm.Sum per row.
	if len(groups) == 0 || (groups[len(groups)-1].reduce && len(groups) <= 2) {
		rowLen := 1
		if len(groups) > 0 {
			rowLen = groups[len(groups)-1].size
		}
		for i := range dst {
			s := asm.Sum(src[i*rowLen : (i+1)*rowLen])
			if divisor != 1 {
				s = float32(float64(s) / divisor)
			}
			dst[i] = s
		}
		return
	}

	// General case: accumulate into a float64 copy of dst. The innermost
	// group is one contiguous run of src per step: summed with asm.Sum if
	// it is reduced, added element by element if it is kept.
	acc := make([]float64, len(dst))
	last := groups[len(groups)-1]
	outer := groups[:len(groups)-1]
	srcStrides := make([]int, len(outer))
	dstStrides := make([]int, len(outer))
	srcStep := last.size
	dstStep := 1
	if !last.reduce {
		dstStep = last.size
	}
	for i := len(outer) - 1; i >= 0; i-- {
		srcStrides[i] = srcStep
		srcStep *= outer[i].size
		if !outer[i].reduce {
			dstStrides[i] = dstStep
			dstStep *= outer[i].size
		}
	}
	outerShape := make([]int, len(outer))
	for i, g := range outer {
		outerShape[i] = g.size
	}
	n := last.size
	walkOuter(outerShape, srcStrides, dstStrides, 0, 0, func(ps, pd int) {
		run := src[ps : ps+n]
		if last.reduce {
			acc[pd] += float64(asm.Sum(run))
			return
		}
		a := acc[pd : pd+n]
		for j, v := range run {
			a[j] += float64(v)
		}
	})
	for i, v := range acc {
		dst[i] = float32(v / divisor)
	}
}

// SumAll returns the sum of every element of a as a 0-d tensor, accumulated
// in float64 by asm.Sum. The sum of an empty tensor is 0.
func SumAll(a *Tensor) *Tensor {
	return Scalar(asm.Sum(a.Contiguous().Data()))
}

// MeanAll returns the mean of every element of a as a 0-d tensor; NaN if a
// is empty.
func MeanAll(a *Tensor) *Tensor {
	s := asm.Sum(a.Contiguous().Data())
	return Scalar(float32(float64(s) / float64(a.Size())))
}

// MaxAll returns the largest element of a as a 0-d tensor, NaN if any
// element is NaN. It panics if a is empty.
func MaxAll(a *Tensor) *Tensor {
	if a.Size() == 0 {
		panic(fmt.Sprintf("tensor.MaxAll: tensor of shape %v is empty", a.shape))
	}
	return Scalar(asm.Max(a.Contiguous().Data()))
}

// Max returns the largest element of a along axis, like Sum. A NaN anywhere
// along the axis gives NaN. It panics if the axis is empty, because an
// empty maximum has no value.
func Max(a *Tensor, axis int, keepDims bool) *Tensor {
	axis = a.normAxis("Max", axis)
	if a.shape[axis] == 0 {
		panic(fmt.Sprintf("tensor.Max: axis %d of shape %v is empty", axis, a.shape))
	}
	out := Zeros(reducedShape(a.shape, axis, keepDims)...)
	src := a.Contiguous().Data()
	outer, n, inner := splitAt(a.shape, axis)
	for o := range outer {
		block := src[o*n*inner : (o+1)*n*inner]
		if inner == 1 {
			out.data[o] = asm.Max(block)
			continue
		}
		d := out.data[o*inner : (o+1)*inner]
		copy(d, block[:inner])
		for r := 1; r < n; r++ {
			maximumTo(d, d, block[r*inner:(r+1)*inner])
		}
	}
	return out
}

// ArgMax returns, for each position of the other axes in row-major order,
// the index along axis of the largest element. Ties go to the first index.
// A NaN counts as larger than any number, so the index of the first NaN is
// returned, as NumPy does. It panics if the axis is empty.
func ArgMax(a *Tensor, axis int) []int {
	axis = a.normAxis("ArgMax", axis)
	if a.shape[axis] == 0 {
		panic(fmt.Sprintf("tensor.ArgMax: axis %d of shape %v is empty", axis, a.shape))
	}
	src := a.Contiguous().Data()
	outer, n, inner := splitAt(a.shape, axis)
	out := make([]int, outer*inner)
	for o := range outer {
		block := src[o*n*inner : (o+1)*n*inner]
		for i := range inner {
			best, bestVal := 0, block[i]
			for r := 1; r < n && bestVal == bestVal; r++ {
				v := block[r*inner+i]
				if v > bestVal || v != v {
					best, bestVal = r, v
				}
			}
			out[o*inner+i] = best
		}
	}
	return out
}

// splitAt views shape as [outer, shape[axis], inner].
func splitAt(shape []int, axis int) (outer, n, inner int) {
	return product(shape[:axis]), shape[axis], product(shape[axis+1:])
}
