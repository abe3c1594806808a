package nn

import (
	"fmt"

	"github.com/heed-ml/heed/autodiff"
)

// PoolOptions configures NewMaxPool2D and NewAvgPool2D. The zero value is a
// window of stride equal to its size, unpadded, with floor rounding, as
// PyTorch's defaults.
type PoolOptions struct {
	// Stride is the step between windows on both axes (default: the kernel
	// size).
	Stride int
	// Padding is the implicit padding on every side, at most half the
	// kernel size.
	Padding int
	// Dilation is the spacing between window taps (default 1; max pooling
	// only).
	Dilation int
	// CeilMode rounds the output size up; see Pool2DSpec.
	CeilMode bool
	// ExcludePadding makes average pooling divide by the number of input
	// elements in each window.
	ExcludePadding bool
}

func (o PoolOptions) spec(op string, kernelSize int) Pool2DSpec {
	if kernelSize < 1 || o.Stride < 0 || o.Padding < 0 || o.Dilation < 0 {
		panic(fmt.Sprintf("nn.%s: kernel size %d must be positive and stride %d, padding %d, dilation %d not negative", op, kernelSize, o.Stride, o.Padding, o.Dilation))
	}
	stride := o.Stride
	if stride == 0 {
		stride = kernelSize
	}
	return Pool2DSpec{
		Kernel:         [2]int{kernelSize, kernelSize},
		Stride:         [2]int{stride, stride},
		Padding:        [2]int{o.Padding, o.Padding},
		Dilation:       [2]int{convOrOne(o.Dilation), convOrOne(o.Dilation)},
		CeilMode:       o.CeilMode,
		ExcludePadding: o.ExcludePadding,
	}
}

// MaxPool2D is a max-pooling layer on NCHW input, PyTorch's nn.MaxPool2d.
// It has no parameters.
type MaxPool2D struct {
	Spec Pool2DSpec
}

// NewMaxPool2D returns a max pooling over square windows of side
// kernelSize.
func NewMaxPool2D(kernelSize int, opts PoolOptions) *MaxPool2D {
	return &MaxPool2D{Spec: opts.spec("NewMaxPool2D", kernelSize)}
}

// Forward pools x, [batch, channels, h, w]; see MaxPool.
func (m *MaxPool2D) Forward(x *autodiff.Value) *autodiff.Value { return MaxPool(x, m.Spec) }

// Params returns nil: pooling has no parameters.
func (m *MaxPool2D) Params() []Param { return nil }

// AvgPool2D is an average-pooling layer on NCHW input, PyTorch's
// nn.AvgPool2d. It has no parameters.
type AvgPool2D struct {
	Spec Pool2DSpec
}

// NewAvgPool2D returns an average pooling over square windows of side
// kernelSize. It panics if opts sets a dilation other than 1.
func NewAvgPool2D(kernelSize int, opts PoolOptions) *AvgPool2D {
	if opts.Dilation > 1 {
		panic(fmt.Sprintf("nn.NewAvgPool2D: dilation %d is not supported; average pooling needs dilation 1", opts.Dilation))
	}
	return &AvgPool2D{Spec: opts.spec("NewAvgPool2D", kernelSize)}
}

// Forward pools x, [batch, channels, h, w]; see AvgPool.
func (a *AvgPool2D) Forward(x *autodiff.Value) *autodiff.Value { return AvgPool(x, a.Spec) }

// Params returns nil: pooling has no parameters.
func (a *AvgPool2D) Params() []Param { return nil }

// GlobalAvgPool2D averages each channel plane, [batch, channels, h, w] to
// [batch, channels]. It has no parameters.
type GlobalAvgPool2D struct{}

// NewGlobalAvgPool2D returns a global average pooling layer.
func NewGlobalAvgPool2D() *GlobalAvgPool2D { return &GlobalAvgPool2D{} }

// Forward averages x over its last two axes; see GlobalAvgPool.
func (GlobalAvgPool2D) Forward(x *autodiff.Value) *autodiff.Value { return GlobalAvgPool(x) }

// Params returns nil: pooling has no parameters.
func (GlobalAvgPool2D) Params() []Param { return nil }

// String describes the layer, such as "MaxPool2D(2×2)".
func (m *MaxPool2D) String() string { return "MaxPool2D(" + m.Spec.String() + ")" }

// String describes the layer, such as "AvgPool2D(2×2)".
func (a *AvgPool2D) String() string { return "AvgPool2D(" + a.Spec.String() + ")" }

// String returns "GlobalAvgPool2D".
func (GlobalAvgPool2D) String() string { return "GlobalAvgPool2D" }

// String describes the window, such as "3×3, stride [2 2], ceil mode",
// leaving out settings at their defaults.
func (s Pool2DSpec) String() string {
	out := fmt.Sprintf("%d×%d", s.Kernel[0], s.Kernel[1])
	if s.Stride != s.Kernel && s.Stride != [2]int{} {
		out += fmt.Sprintf(", stride %v", s.Stride)
	}
	if s.Padding != [2]int{} {
		out += fmt.Sprintf(", padding %v", s.Padding)
	}
	if s.Dilation != [2]int{1, 1} && s.Dilation != [2]int{} {
		out += fmt.Sprintf(", dilation %v", s.Dilation)
	}
	if s.CeilMode {
		out += ", ceil mode"
	}
	if s.ExcludePadding {
		out += ", padding excluded"
	}
	return out
}
