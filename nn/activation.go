package nn

import "github.com/heed-ml/heed/autodiff"

// The activation modules wrap the autodiff functions of the same name so
// they can sit in a Sequential. They have no parameters and no state, so
// the zero value is ready to use.

// ReLU applies max(x, 0) elementwise.
type ReLU struct{}

// Forward returns max(x, 0).
func (ReLU) Forward(x *autodiff.Value) *autodiff.Value { return autodiff.ReLU(x) }

// Params returns nil: ReLU has no parameters.
func (ReLU) Params() []Param { return nil }

// String returns "ReLU".
func (ReLU) String() string { return "ReLU" }

// Tanh applies the hyperbolic tangent elementwise.
type Tanh struct{}

// Forward returns tanh(x).
func (Tanh) Forward(x *autodiff.Value) *autodiff.Value { return autodiff.Tanh(x) }

// Params returns nil: Tanh has no parameters.
func (Tanh) Params() []Param { return nil }

// String returns "Tanh".
func (Tanh) String() string { return "Tanh" }

// Sigmoid applies the logistic function 1/(1+exp(−x)) elementwise.
type Sigmoid struct{}

// Forward returns sigmoid(x).
func (Sigmoid) Forward(x *autodiff.Value) *autodiff.Value { return autodiff.Sigmoid(x) }

// Params returns nil: Sigmoid has no parameters.
func (Sigmoid) Params() []Param { return nil }

// String returns "Sigmoid".
func (Sigmoid) String() string { return "Sigmoid" }

// GELU applies the exact Gaussian error linear unit x·Φ(x) elementwise, as
// PyTorch's default nn.GELU does (not the tanh approximation).
type GELU struct{}

// Forward returns x·Φ(x).
func (GELU) Forward(x *autodiff.Value) *autodiff.Value { return autodiff.GELU(x) }

// Params returns nil: GELU has no parameters.
func (GELU) Params() []Param { return nil }

// String returns "GELU".
func (GELU) String() string { return "GELU" }
