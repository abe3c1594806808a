// Package autodiff implements reverse-mode automatic differentiation over
// tensor.Tensor, define-by-run as in PyTorch: every op on a *Value computes
// its result at once and, when an input requires a gradient, records the op
// and its inputs. Backward then walks that graph from the output in reverse
// topological order, applying each op's backward rule.
//
// Gradient semantics:
//   - Only leaves that require a gradient (see Param) keep one, in Grad.
//   - Gradients accumulate across Backward calls until ZeroGrad, as in
//     PyTorch. Calling Backward twice on the same graph is allowed: the graph
//     is not freed, so the second call adds the same gradients again, like
//     PyTorch's retain_graph=True.
//   - A gradient flowing into a broadcast operand is summed back to the
//     operand's own shape.
//
// Every op lives in its own file with its forward function beside its
// backward rule; rules.go lists them all in one table.
package autodiff

import (
	"fmt"
	"sync/atomic"

	"github.com/heed-ml/heed/tensor"
)

// Value is a tensor that takes part in differentiation: a leaf (a parameter
// or a constant) or the output of an op, which remembers its inputs.
type Value struct {
	data         *tensor.Tensor
	grad         *tensor.Tensor
	requiresGrad bool
	// gradZeroed marks grad as zero: ZeroGrad clears the buffer lazily.
	gradZeroed bool

	op     *Op
	inputs []*Value
	// saved holds what the op's backward rule needs beyond the inputs and
	// output, such as an axis or a mask.
	saved any

	// Bookkeeping of a running Backward call: the sort's visit mark, the
	// gradient collected so far, and the call's state while this value's
	// rule runs (see buffers.go).
	visited  uint64
	pending  *tensor.Tensor
	backward *backwardState
}

// Param returns a leaf that requires a gradient, such as a layer's weight.
// The Value uses t directly, so optimizers update t in place.
func Param(t *tensor.Tensor) *Value {
	return &Value{data: t, requiresGrad: true}
}

// Const returns a leaf that never receives a gradient, such as a batch of
// inputs or a mask.
func Const(t *tensor.Tensor) *Value {
	return &Value{data: t}
}

// Data returns the value's tensor. Changing it changes the value.
func (v *Value) Data() *tensor.Tensor { return v.data }

// Shape returns the shape of the value's tensor.
func (v *Value) Shape() []int { return v.data.Shape() }

// Item returns the only element of a one-element value, such as a loss.
func (v *Value) Item() float32 { return v.data.Item() }

// Grad returns the gradient accumulated by Backward, or nil if none has
// reached this value. Only leaves that require a gradient keep one.
func (v *Value) Grad() *tensor.Tensor {
	if v.gradZeroed {
		v.grad.Fill(0)
		v.gradZeroed = false
	}
	return v.grad
}

// RequiresGrad reports whether gradients flow into this value.
func (v *Value) RequiresGrad() bool { return v.requiresGrad }

// ZeroGrad sets the accumulated gradient to zero, keeping its buffer.
//
// The buffer is cleared lazily: the next Backward overwrites it instead of
// adding to it, and Grad fills it with zeros if it is called first. This
// saves a pass over every weight per training step.
//
// NOTE: a tensor obtained from Grad before ZeroGrad keeps showing the old
// gradient until Grad is called again or Backward overwrites it.
func (v *Value) ZeroGrad() {
	if v.grad != nil {
		v.gradZeroed = true
	}
}

// Detach returns a constant sharing v's data, cut off from the graph.
func (v *Value) Detach() *Value { return Const(v.data) }

// Op returns the name of the op that produced v, or "" for a leaf.
func (v *Value) Op() string {
	if v.op == nil {
		return ""
	}
	return v.op.Name
}

// Inputs returns the values an op was applied to; nil for a leaf.
func (v *Value) Inputs() []*Value { return v.inputs }

// Saved returns the op state stored by Apply for the backward rule.
func (v *Value) Saved() any { return v.saved }

// String describes the value for debugging.
func (v *Value) String() string {
	kind := "const"
	switch {
	case v.op != nil:
		kind = v.op.Name
	case v.requiresGrad:
		kind = "param"
	}
	return fmt.Sprintf("Value(%s, shape=%v)", kind, v.data.Shape())
}

// noGradDepth counts active NoGrad calls; while it is positive no op
// records its inputs.
var noGradDepth atomic.Int32

// NoGrad runs fn without recording any graph, for evaluation: ops inside
// return constants, which saves the memory the backward pass would need.
//
// NOTE: the switch is process-wide, not per goroutine. Training in one
// goroutine while another evaluates under NoGrad would stop the training
// graph from being recorded.
func NoGrad(fn func()) {
	noGradDepth.Add(1)
	defer noGradDepth.Add(-1)
	fn()
}

// GradEnabled reports whether ops currently record the graph.
func GradEnabled() bool { return noGradDepth.Load() == 0 }
