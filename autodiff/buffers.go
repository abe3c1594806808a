package autodiff

// Buffer management for the backward pass.
//
// A training step builds a new graph every time, so without help every
// backward rule allocates its gradient tensors afresh on every step. Two
// mechanisms remove most of those allocations. The gradients stay the
// same, except that the additions into a leaf may happen in another order
// (see leafGrad):
//
//   - Gradients of intermediate values live only for one Backward call
//     (see BackwardWith). A rule that obtains its result from newGrad gets
//     a buffer from a free list keyed by element count, and Backward puts
//     every such buffer back on the list when it returns. Backward copies
//     or adds a gradient into a leaf's Grad and never keeps the pooled
//     tensor itself, so nothing outside the call still refers to a buffer
//     when it goes back on the list.
//   - A rule whose input is a leaf that requires a gradient may add its
//     contribution straight into that leaf's Grad (leafGrad, gradTarget),
//     as Linear and MatMul do with SGEMM's beta, and return nil for that
//     input. This saves a weight-sized temporary and a pass over it on
//     every step.
//
// The forward pass still allocates its outputs, because callers may keep
// any of them.
//
// The free lists are sync.Pools, so the garbage collector may drop idle
// buffers and a model that stops training does not keep its gradient
// memory.

import (
	"slices"
	"sync"

	"github.com/heed-ml/heed/tensor"
)

// gradPools maps an element count to the sync.Pool of *tensor.Tensor
// buffers of that size.
var gradPools struct {
	mu     sync.Mutex
	bySize map[int]*sync.Pool
}

func gradPool(size int) *sync.Pool {
	gradPools.mu.Lock()
	defer gradPools.mu.Unlock()
	if gradPools.bySize == nil {
		gradPools.bySize = make(map[int]*sync.Pool)
	}
	p := gradPools.bySize[size]
	if p == nil {
		p = new(sync.Pool)
		gradPools.bySize[size] = p
	}
	return p
}

// backwardState is the bookkeeping of one BackwardWith call, kept in a
// sync.Pool so that its slices are reused from call to call.
type backwardState struct {
	order []*Value
	stack []topoFrame
	// pooled lists the buffers newGrad handed out during this call.
	pooled []*tensor.Tensor
}

type topoFrame struct {
	n    *Value
	next int
}

var backwardStates = sync.Pool{New: func() any { return new(backwardState) }}

// release returns every buffer handed out during the call to the free
// lists and clears the state's references, so the state pins no graph
// while it waits in its own pool.
func (s *backwardState) release() {
	for _, t := range s.pooled {
		gradPool(t.Size()).Put(t)
	}
	clear(s.pooled)
	s.pooled = s.pooled[:0]
	clear(s.order)
	s.order = s.order[:0]
	clear(s.stack)
	s.stack = s.stack[:0]
	backwardStates.Put(s)
}

// newGrad returns a contiguous tensor of the given shape for out's backward
// rule to return as a gradient. Inside Backward the buffer comes from the
// free lists and its contents are arbitrary, so the rule must write every
// element. Outside Backward, as when a test calls a rule directly, it is a
// new zero tensor. The buffer goes back on the free list when Backward returns, so a
// rule must not keep it, or anything derived from it, beyond Backward.
func (out *Value) newGrad(shape ...int) *tensor.Tensor {
	s := out.backward
	if s == nil {
		return tensor.Zeros(shape...)
	}
	size := 1
	for _, d := range shape {
		size *= d
	}
	var t *tensor.Tensor
	if v := gradPool(size).Get(); v != nil {
		t = v.(*tensor.Tensor)
		if !slices.Equal(t.Shape(), shape) {
			t = tensor.New(shape, t.Data())
		}
	} else {
		t = tensor.Zeros(shape...)
	}
	s.pooled = append(s.pooled, t)
	return t
}

// leafGrad returns the Grad buffer of in, creating it if needed, when in is
// a leaf that requires a gradient, so that a backward rule can add its
// contribution there directly and return nil for in. ok is false for every
// other value, and the rule then returns the gradient as usual.
//
// beta is 1 when the buffer holds accumulated gradient, for a kernel that
// computes dst = x + beta·dst. beta is 0 when the buffer is new or was
// zeroed by ZeroGrad: its contents are then arbitrary and the rule must
// overwrite every element.
//
// Adding straight into Grad gives the same sum as returning the gradient,
// but when a leaf feeds several ops the contributions are added in a
// different order, so the last bits may differ from returning them.
func leafGrad(in *Value) (grad *tensor.Tensor, beta float32, ok bool) {
	if in.op != nil || !in.requiresGrad {
		return nil, 0, false
	}
	if in.grad == nil {
		in.grad = tensor.ZerosLike(in.data)
		return in.grad, 0, true
	}
	if in.gradZeroed {
		in.gradZeroed = false
		return in.grad, 0, true
	}
	return in.grad, 1, true
}

// gradTarget returns the tensor into which out's backward rule should write
// the gradient of in, for a kernel that computes dst = x + beta·dst: in's
// own Grad when in is a leaf (see leafGrad), and otherwise a buffer from
// newGrad with beta 0. ret reports whether the rule must return dst as
// in's gradient. For a leaf the rule returns nil, because the gradient is
// already in place.
func (out *Value) gradTarget(in *Value) (dst *tensor.Tensor, beta float32, ret bool) {
	if grad, beta, ok := leafGrad(in); ok {
		return grad, beta, false
	}
	return out.newGrad(in.Shape()...), 0, true
}
