package autodiff

import (
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/heed-ml/heed/asm"
	"github.com/heed-ml/heed/tensor"
)

// BackwardRule computes the gradient of each input of out from grad, the
// gradient of out. It returns one tensor per input, in order, each with that
// input's shape. An entry may be nil for an input that gets no gradient.
// Backward skips inputs that do not require one, so a rule may return nil
// for them or compute them anyway.
//
// Backward may reuse grad and the returned tensors for later backward
// passes once it returns, so a rule must not keep them, or views of them,
// in saved state or anywhere else that outlives the call.
type BackwardRule func(out *Value, grad *tensor.Tensor) []*tensor.Tensor

// Op is a differentiable operation: a name for messages and its backward
// rule. The ops of this package are listed in rules.go; other packages
// (convolution in nn, attention) define their own with NewOp.
type Op struct {
	Name     string
	Backward BackwardRule
}

// NewOp returns an op with the given name and backward rule.
func NewOp(name string, backward BackwardRule) *Op {
	if backward == nil {
		panic(fmt.Sprintf("autodiff.NewOp: op %q has no backward rule", name))
	}
	return &Op{Name: name, Backward: backward}
}

// Apply wraps data, the already computed result of op on inputs, as a Value.
// When gradients are enabled and any input requires one, the result records
// op, the inputs and saved, so Backward can reach the inputs. Otherwise the
// result is a constant.
func Apply(op *Op, data *tensor.Tensor, saved any, inputs ...*Value) *Value {
	if !GradEnabled() {
		return Const(data)
	}
	needs := false
	for _, in := range inputs {
		if in.requiresGrad {
			needs = true
			break
		}
	}
	if !needs {
		return Const(data)
	}
	return &Value{data: data, requiresGrad: true, op: op, inputs: inputs, saved: saved}
}

// Backward computes the gradient of v, which must hold a single element
// (a loss), with respect to every leaf that requires one, and adds it to
// that leaf's Grad.
func (v *Value) Backward() {
	if v.data.Size() != 1 {
		panic(fmt.Sprintf("autodiff.Backward: output has shape %v; Backward needs a single element, use BackwardWith for other shapes", v.Shape()))
	}
	v.BackwardWith(tensor.Ones(v.Shape()...))
}

// BackwardWith runs the backward pass seeded with grad, the gradient of some
// scalar with respect to v, which must have v's shape.
func (v *Value) BackwardWith(grad *tensor.Tensor) {
	if !slices.Equal(grad.Shape(), v.Shape()) {
		panic(fmt.Sprintf("autodiff.BackwardWith: gradient shape %v, value shape %v", grad.Shape(), v.Shape()))
	}
	if !v.requiresGrad {
		return
	}

	st := backwardStates.Get().(*backwardState)
	order := st.topoOrder(v)

	// Gradients of intermediate values live only for this call, so running
	// Backward again starts clean and adds the same amounts to the leaves.
	// topoOrder cleared every pending gradient of the graph.
	v.pending = grad
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		g := n.pending
		n.pending = nil
		if g == nil {
			continue
		}
		if n.op == nil {
			n.accumulate(g)
			continue
		}

		n.backward = st
		inGrads := n.op.Backward(n, g)
		if len(inGrads) != len(n.inputs) {
			panic(fmt.Sprintf("autodiff: backward rule of %s returned %d gradients for %d inputs", n.op.Name, len(inGrads), len(n.inputs)))
		}
		for j, in := range n.inputs {
			ig := inGrads[j]
			if !in.requiresGrad || ig == nil {
				continue
			}
			if !slices.Equal(ig.Shape(), in.Shape()) {
				panic(fmt.Sprintf("autodiff: backward rule of %s returned gradient of shape %v for input %d of shape %v", n.op.Name, ig.Shape(), j, in.Shape()))
			}
			if prev := in.pending; prev != nil {
				// A new buffer, because prev may be shared with another
				// rule's result and must not change under it.
				sum := n.newGrad(in.Shape()...)
				asm.AddTo(sum.Data(), prev.Contiguous().Data(), ig.Contiguous().Data())
				in.pending = sum
			} else {
				in.pending = ig
			}
		}
		n.backward = nil
	}
	st.release()
}

// accumulate adds g to a leaf's gradient, allocating it on first use. It
// copies g rather than keeping it, because g may be a pooled buffer that
// Backward reuses (see buffers.go).
func (v *Value) accumulate(g *tensor.Tensor) {
	switch {
	case v.grad == nil:
		v.grad = g.Clone()
	case v.gradZeroed:
		v.grad.CopyFrom(g)
		v.gradZeroed = false
	default:
		v.grad.AddInPlace(g)
	}
}

// visitGeneration numbers topological sorts, so that a sort can mark the
// values it has visited with its own number instead of building a set.
var visitGeneration atomic.Uint64

// topoOrder returns every value that requires a gradient and that v depends
// on, inputs before the values computed from them, and clears their pending
// gradients. It walks iteratively so deep graphs cannot overflow the stack.
//
// NOTE: the visit marks live on the values, so two Backward calls that run
// at the same time on graphs sharing a value race, as their additions into
// a shared leaf's Grad always have.
func (s *backwardState) topoOrder(v *Value) []*Value {
	gen := visitGeneration.Add(1)
	order := s.order[:0]
	stack := append(s.stack[:0], topoFrame{n: v})
	v.visited = gen
	v.pending = nil
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next < len(top.n.inputs) {
			in := top.n.inputs[top.next]
			top.next++
			if in.requiresGrad && in.visited != gen {
				in.visited = gen
				in.pending = nil
				stack = append(stack, topoFrame{n: in})
			}
			continue
		}
		order = append(order, top.n)
		stack = stack[:len(stack)-1]
	}
	s.order, s.stack = order, stack
	return order
}
