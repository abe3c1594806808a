package nn

import "github.com/heed-ml/heed/autodiff"

// Flatten reshapes [batch, d1, d2, ...] to [batch, d1·d2·...], the bridge
// from convolutional feature maps to dense layers. It has no parameters
// and moves no data when its input is contiguous.
type Flatten struct{}

// NewFlatten returns a Flatten layer.
func NewFlatten() *Flatten { return &Flatten{} }

// Forward flattens every axis of x after the first. It panics on a 0-D
// input, which has no batch axis.
func (Flatten) Forward(x *autodiff.Value) *autodiff.Value {
	xs := x.Shape()
	if len(xs) == 0 {
		panic("nn.Flatten: input is a scalar; want at least a batch axis")
	}
	rest := 1
	for _, d := range xs[1:] {
		rest *= d
	}
	if len(xs) == 2 {
		return x
	}
	return autodiff.Reshape(x, xs[0], rest)
}

// Params returns nil: Flatten has no parameters.
func (Flatten) Params() []Param { return nil }

// String returns "Flatten".
func (Flatten) String() string { return "Flatten" }
