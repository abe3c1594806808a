package tensor

import (
	"fmt"
	"slices"
)

// Concat joins tensors along an existing axis, which may be negative to
// count from the end. Every tensor must have the same rank and the same
// sizes on all other axes. It panics if ts is empty.
func Concat(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		panic("tensor.Concat: no tensors to join")
	}
	first := ts[0]
	if first.Dims() == 0 {
		panic("tensor.Concat: cannot join 0-d tensors; use Stack")
	}
	axis = first.normAxis("Concat", axis)
	shape := slices.Clone(first.shape)
	shape[axis] = 0
	for i, t := range ts {
		if !sameExceptAxis(first.shape, t.shape, axis) {
			panic(fmt.Sprintf("tensor.Concat: tensor %d has shape %v, tensor 0 has shape %v; only axis %d may differ",
				i, t.shape, first.shape, axis))
		}
		shape[axis] += t.shape[axis]
	}

	out := Zeros(shape...)
	outer := product(shape[:axis])
	inner := product(shape[axis+1:])
	outRow := shape[axis] * inner
	start := 0
	for _, t := range ts {
		// Each outer index owns one run of t.shape[axis]*inner elements
		// in t and one run of the same length at start in out.
		run := t.shape[axis] * inner
		src := t.Contiguous().Data()
		for o := range outer {
			copy(out.data[o*outRow+start:o*outRow+start+run], src[o*run:(o+1)*run])
		}
		start += run
	}
	return out
}

func sameExceptAxis(a, b []int, axis int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if i != axis && a[i] != b[i] {
			return false
		}
	}
	return true
}

// Stack joins tensors of the same shape along a new axis, placed at
// position axis of the result (negative counts from the end of the result's
// axes, so -1 appends a last axis). It panics if ts is empty.
func Stack(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		panic("tensor.Stack: no tensors to join")
	}
	first := ts[0]
	rank := first.Dims() + 1
	if axis < -rank || axis >= rank {
		panic(fmt.Sprintf("tensor.Stack: axis %d out of range for stacking tensors of shape %v", axis, first.shape))
	}
	if axis < 0 {
		axis += rank
	}
	shape := slices.Insert(slices.Clone(first.shape), axis, 1)
	views := make([]*Tensor, len(ts))
	for i, t := range ts {
		if !slices.Equal(t.shape, first.shape) {
			panic(fmt.Sprintf("tensor.Stack: tensor %d has shape %v, tensor 0 has shape %v", i, t.shape, first.shape))
		}
		views[i] = t.Reshape(shape...)
	}
	return Concat(axis, views...)
}
