package nn

import (
	"strconv"

	"github.com/heed-ml/heed/autodiff"
)

// BufferOwner is implemented by modules with state that is saved in
// checkpoints but not trained, such as BatchNorm's running statistics, and
// by containers, which pass on their children's buffers.
type BufferOwner interface {
	Buffers() []Param
}

// Buffers returns m's non-trainable state with dotted names, or nil if m
// has none.
func Buffers(m Module) []Param {
	if b, ok := m.(BufferOwner); ok {
		return b.Buffers()
	}
	return nil
}

// State returns everything a checkpoint of m holds: its parameters, then
// its buffers. It is the counterpart of PyTorch's state_dict.
func State(m Module) []Param {
	return append(m.Params(), Buffers(m)...)
}

// Buffers returns the buffers of every child, prefixed with its index as
// Params does.
func (s *Sequential) Buffers() []Param {
	var bs []Param
	seen := map[*autodiff.Value]bool{}
	for i, m := range s.layers {
		for _, b := range Prefix(strconv.Itoa(i), Buffers(m)) {
			if !seen[b.Value] {
				seen[b.Value] = true
				bs = append(bs, b)
			}
		}
	}
	return bs
}
