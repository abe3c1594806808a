package autodiff

import (
	"fmt"
	"slices"

	"github.com/heed-ml/heed/tensor"
)

// BackwardRule computes the gradient of each input of out from grad, the
// gradient of out. It returns one tensor per input, in order, each with that
// input's shape; an entry may be nil for an input that gets no gradient
// (Backward skips inputs that do not require one, so a rule may return nil
// for them or compute them anyway).
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
// op, the inputs and saved, so Backward can reach the inputs; otherwise the
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

	order := topoOrder(v)

	// Gradients of intermediate values live only for this call, so running
	// Backward again starts clean and adds the same amounts to the leaves.
	grads := map[*Value]*tensor.Tensor{v: grad}
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		g := grads[n]
		delete(grads, n)
		if g == nil {
			continue
		}
		if n.op == nil {
			n.accumulate(g)
			continue
		}

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
			if prev, ok := grads[in]; ok {
				// A fresh tensor, because prev may be shared with another
				// rule's result and must not change under it.
				grads[in] = tensor.Add(prev, ig)
			} else {
				grads[in] = ig
			}
		}
	}
}

// accumulate adds g to a leaf's gradient, allocating it on first use.
func (v *Value) accumulate(g *tensor.Tensor) {
	if v.grad == nil {
		v.grad = g.Clone()
		return
	}
	v.grad.AddInPlace(g)
}

// topoOrder returns every value that requires a gradient and that v depends
// on, inputs before the values computed from them. It walks iteratively so
// deep graphs cannot overflow the stack.
func topoOrder(v *Value) []*Value {
	var order []*Value
	visited := map[*Value]bool{v: true}
	type frame struct {
		n    *Value
		next int
	}
	stack := []frame{{n: v}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next < len(top.n.inputs) {
			in := top.n.inputs[top.next]
			top.next++
			if in.requiresGrad && !visited[in] {
				visited[in] = true
				stack = append(stack, frame{n: in})
			}
			continue
		}
		order = append(order, top.n)
		stack = stack[:len(stack)-1]
	}
	return order
}
