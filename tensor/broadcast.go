package tensor

import (
	"fmt"
	"slices"
)

// BroadcastShapes returns the shape that a and b broadcast to under NumPy
// rules, and whether they are compatible. Shapes are aligned at their last
// axis, the shorter one is padded with leading 1s, and each pair of sizes
// must be equal or contain a 1. For example [2,1] and [1,3] give [2,3], and
// [3] and [2,3] give [2,3].
func BroadcastShapes(a, b []int) ([]int, bool) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := range n {
		da, db := 1, 1
		if j := i - (n - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (n - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, false
		}
	}
	return out, true
}

// BroadcastTo returns a view of t with the given shape. Axes that t lacks
// (on the left) or that have size 1 in t are repeated by giving them stride
// 0, so the view shares t's memory and allocates no data. It panics if t's
// shape cannot be broadcast to shape.
//
// Because several positions of the view alias one element, writing through
// it (Set, CopyFrom) changes every position that shares that element.
func (t *Tensor) BroadcastTo(shape ...int) *Tensor {
	strides, ok := broadcastStrides(t, shape)
	if !ok {
		panic(fmt.Sprintf("tensor.BroadcastTo: cannot broadcast shape %v to %v", t.shape, shape))
	}
	return newHeader(t.data, shape, strides, t.offset)
}

// broadcastStrides returns t's strides aligned to shape, with 0 on every axis
// that broadcasting adds or stretches. It reports false if t's shape cannot
// be broadcast to shape.
func broadcastStrides(t *Tensor, shape []int) ([]int, bool) {
	lead := len(shape) - len(t.shape)
	if lead < 0 {
		return nil, false
	}
	strides := make([]int, len(shape))
	for i, s := range shape {
		if s < 0 {
			return nil, false
		}
		if i < lead {
			continue
		}
		d := t.shape[i-lead]
		switch {
		case d == s:
			strides[i] = t.strides[i-lead]
		case d == 1:
			// Stride stays 0: every index reads the single element.
		default:
			return nil, false
		}
	}
	return strides, true
}

// SumTo sums t over the axes that broadcasting added or stretched, so that
// the result has the given shape. It is the adjoint of broadcasting: autodiff
// uses it to bring the gradient of a broadcast operand back to that
// operand's shape. t's shape must be a broadcast of shape, which means
// BroadcastShapes(shape, t.Shape()) equals t.Shape(); otherwise SumTo panics.
// The result is always a new tensor, even when shape equals t's shape.
func SumTo(t *Tensor, shape []int) *Tensor {
	full, ok := BroadcastShapes(shape, t.shape)
	if !ok || !slices.Equal(full, t.shape) || slices.ContainsFunc(shape, func(s int) bool { return s < 0 }) {
		panic(fmt.Sprintf("tensor.SumTo: shape %v is not a broadcast of target shape %v", t.shape, shape))
	}
	lead := len(t.shape) - len(shape)
	reduce := make([]bool, len(t.shape))
	for i, d := range t.shape {
		reduce[i] = i < lead || (shape[i-lead] == 1 && d != 1)
	}
	out := Zeros(shape...)
	src := t.Contiguous()
	sumAxes(out.data, src.Data(), src.shape, reduce, 1)
	return out
}
