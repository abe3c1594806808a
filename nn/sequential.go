package nn

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/heed-ml/heed/autodiff"
)

// Sequential chains modules: the output of each is the input of the next.
// Its children are named by position, "0", "1", ..., so the parameters of
// the first layer are "0.weight" and "0.bias", as in PyTorch's
// nn.Sequential. An empty Sequential returns its input unchanged.
type Sequential struct {
	layers []Module
}

// NewSequential returns a Sequential of mods, in order. It panics if any
// module is nil.
func NewSequential(mods ...Module) *Sequential {
	s := &Sequential{}
	return s.Append(mods...)
}

// Append adds mods to the end of s and returns s, so calls can be chained.
// It panics if any module is nil.
func (s *Sequential) Append(mods ...Module) *Sequential {
	for i, m := range mods {
		if m == nil {
			panic(fmt.Sprintf("nn.Sequential: module %d is nil", len(s.layers)+i))
		}
	}
	s.layers = append(s.layers, mods...)
	return s
}

// Layers returns the modules in order. The slice is a copy, so changing it
// does not change s.
func (s *Sequential) Layers() []Module {
	return append([]Module(nil), s.layers...)
}

// Len returns the number of modules.
func (s *Sequential) Len() int { return len(s.layers) }

// Forward applies each module in turn.
func (s *Sequential) Forward(x *autodiff.Value) *autodiff.Value {
	for _, m := range s.layers {
		x = m.Forward(x)
	}
	return x
}

// Params returns the parameters of every child, prefixed with its index. A
// parameter shared by several children, as when the same layer is appended
// twice, is listed once under its first name, as PyTorch's parameters()
// does, so an optimizer updates it once per step.
func (s *Sequential) Params() []Param {
	var ps []Param
	seen := map[*autodiff.Value]bool{}
	for i, m := range s.layers {
		for _, p := range Prefix(strconv.Itoa(i), m.Params()) {
			if !seen[p.Value] {
				seen[p.Value] = true
				ps = append(ps, p)
			}
		}
	}
	return ps
}

// SetTraining passes the mode on to every child.
func (s *Sequential) SetTraining(training bool) {
	for _, m := range s.layers {
		SetTraining(m, training)
	}
}

// String lists the children, one per line, such as
// "Sequential(\n  (0): Dense(784→128)\n  (1): ReLU\n)".
func (s *Sequential) String() string {
	var b strings.Builder
	b.WriteString("Sequential(\n")
	for i, m := range s.layers {
		// Modules without a String method print their type rather than
		// their fields, which may hold whole tensors.
		name := fmt.Sprintf("%T", m)
		if st, ok := m.(fmt.Stringer); ok {
			name = st.String()
		}
		// Indent nested containers so the tree stays readable.
		child := strings.ReplaceAll(name, "\n", "\n  ")
		fmt.Fprintf(&b, "  (%d): %s\n", i, child)
	}
	b.WriteString(")")
	return b.String()
}
