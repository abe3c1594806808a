// Package nn provides neural-network layers built on autodiff: the Module
// interface, dense and convolutional layers, activations, normalisation,
// dropout, losses and initialisers.
package nn

import (
	"github.com/heed-ml/heed/autodiff"
)

// Module is a layer or a network: a differentiable function of its input
// with named parameters.
type Module interface {
	// Forward applies the module to x.
	Forward(x *autodiff.Value) *autodiff.Value
	// Params returns the module's parameters, its children's included, in a
	// stable order with stable dotted names such as "0.weight" or
	// "trunk.1.bias". Checkpoints and optimizers key on these names.
	Params() []Param
}

// Param is a named trainable tensor.
type Param struct {
	Name  string
	Value *autodiff.Value
}

// TrainingSetter is implemented by modules that behave differently in
// training and evaluation (Dropout, BatchNorm) and by containers, which pass
// the mode on to their children.
type TrainingSetter interface {
	SetTraining(training bool)
}

// SetTraining switches m and its children to training (true) or evaluation
// (false) mode. Modules without a mode ignore it.
func SetTraining(m Module, training bool) {
	if s, ok := m.(TrainingSetter); ok {
		s.SetTraining(training)
	}
}

// Values returns the autodiff values of params, in order, for optimizers.
func Values(params []Param) []*autodiff.Value {
	vals := make([]*autodiff.Value, len(params))
	for i, p := range params {
		vals[i] = p.Value
	}
	return vals
}

// Prefix returns params with prefix and a dot prepended to each name, as a
// container does for its children.
func Prefix(prefix string, params []Param) []Param {
	out := make([]Param, len(params))
	for i, p := range params {
		out[i] = Param{Name: prefix + "." + p.Name, Value: p.Value}
	}
	return out
}

// CountParams returns the number of scalar parameters in params.
func CountParams(params []Param) int {
	n := 0
	for _, p := range params {
		n += p.Value.Data().Size()
	}
	return n
}
