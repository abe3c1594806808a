package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

// Conv2DOptions configures NewConv2D. The zero value is a stride-1,
// unpadded convolution with a bias, as PyTorch's nn.Conv2d defaults to.
type Conv2DOptions struct {
	// Stride is the step between windows on both axes (default 1).
	Stride int
	// Padding is the number of zero rows and columns added on every side.
	Padding int
	// Same chooses the padding so that the output has ceil(size/Stride)
	// rows and columns (the input's size for stride 1), recomputed for each
	// input. It overrides Padding.
	Same bool
	// Dilation is the spacing between kernel taps on both axes (default 1).
	Dilation int
	// Groups splits the channels into that many independent convolutions
	// (default 1); it must divide both channel counts.
	Groups int
	// NoBias leaves out the bias.
	NoBias bool
}

// Conv2D is a 2-D convolution layer on NCHW input, PyTorch's nn.Conv2d.
// Its parameters are "weight" [outC, inC/groups, kh, kw] and, unless
// disabled, "bias" [outC]. NewConv2D builds square kernels with the same
// stride, padding and dilation on both axes. For rectangular kernels or
// per-axis settings, build the weight yourself and set Spec, or call
// Convolve2D directly.
type Conv2D struct {
	Weight *autodiff.Value
	Bias   *autodiff.Value // nil without a bias

	// Spec is the geometry applied by Forward. With Same set, Forward
	// replaces its padding for each input size.
	Spec Conv2DSpec
	Same bool
}

// NewConv2D returns a Conv2D with square kernels of side kernelSize,
// initialised as PyTorch does: weight and bias uniform in ±1/√fanIn, where
// fanIn = inChannels/groups·kernelSize², drawn from rng so a seed gives the
// same layer. It panics on a non-positive size or channel count, on groups
// that do not divide both channel counts, or on a nil rng.
func NewConv2D(rng *rand.Rand, inChannels, outChannels, kernelSize int, opts Conv2DOptions) *Conv2D {
	groups := convOrOne(opts.Groups)
	if inChannels < 1 || outChannels < 1 || kernelSize < 1 || groups < 1 {
		panic(fmt.Sprintf("nn.NewConv2D: channels %d→%d, kernel size %d and groups %d must be positive", inChannels, outChannels, kernelSize, opts.Groups))
	}
	if inChannels%groups != 0 || outChannels%groups != 0 {
		panic(fmt.Sprintf("nn.NewConv2D: groups %d must divide input channels %d and output channels %d", groups, inChannels, outChannels))
	}
	if rng == nil {
		panic("nn.NewConv2D: nil *rand.Rand; pass a seeded generator such as rand.New(rand.NewPCG(seed, 0))")
	}
	if opts.Stride < 0 || opts.Padding < 0 || opts.Dilation < 0 {
		panic(fmt.Sprintf("nn.NewConv2D: negative stride %d, padding %d or dilation %d", opts.Stride, opts.Padding, opts.Dilation))
	}

	fanIn := inChannels / groups * kernelSize * kernelSize
	bound := float32(1 / math.Sqrt(float64(fanIn)))
	c := &Conv2D{
		Weight: autodiff.Param(convUniform(rng, bound, outChannels, inChannels/groups, kernelSize, kernelSize)),
		Spec: Conv2DSpec{
			Stride:   [2]int{convOrOne(opts.Stride), convOrOne(opts.Stride)},
			Padding:  SymmetricPadding(opts.Padding, opts.Padding),
			Dilation: [2]int{convOrOne(opts.Dilation), convOrOne(opts.Dilation)},
			Groups:   groups,
		},
		Same: opts.Same,
	}
	if !opts.NoBias {
		c.Bias = autodiff.Param(convUniform(rng, bound, outChannels))
	}
	return c
}

// Forward convolves x, [batch, inC, h, w], to [batch, outC, oh, ow].
func (c *Conv2D) Forward(x *autodiff.Value) *autodiff.Value {
	spec := c.Spec
	if c.Same {
		xs := x.Shape()
		if len(xs) != 4 {
			panic(fmt.Sprintf("nn.Conv2D: input shape %v, want [batch, channels, height, width]", xs))
		}
		ws := c.Weight.Shape()
		spec.Padding = SamePadding(xs[2], xs[3], [2]int{ws[2], ws[3]}, spec.Stride, spec.Dilation)
	}
	return Convolve2D(x, c.Weight, c.Bias, spec)
}

// Params returns "weight" and, if present, "bias".
func (c *Conv2D) Params() []Param {
	ps := []Param{{Name: "weight", Value: c.Weight}}
	if c.Bias != nil {
		ps = append(ps, Param{Name: "bias", Value: c.Bias})
	}
	return ps
}

// String describes the layer, such as "Conv2D(3→32, 3×3, stride 2)".
func (c *Conv2D) String() string {
	ws := c.Weight.Shape()
	s := fmt.Sprintf("Conv2D(%d→%d, %d×%d", ws[1]*convOrOne(c.Spec.Groups), ws[0], ws[2], ws[3])
	if c.Spec.Stride != [2]int{1, 1} && c.Spec.Stride != [2]int{} {
		s += fmt.Sprintf(", stride %v", c.Spec.Stride)
	}
	switch {
	case c.Same:
		s += ", same padding"
	case c.Spec.Padding != [4]int{}:
		s += fmt.Sprintf(", padding %v", c.Spec.Padding)
	}
	if c.Spec.Dilation != [2]int{1, 1} && c.Spec.Dilation != [2]int{} {
		s += fmt.Sprintf(", dilation %v", c.Spec.Dilation)
	}
	if g := convOrOne(c.Spec.Groups); g > 1 {
		s += fmt.Sprintf(", groups %d", g)
	}
	if c.Bias == nil {
		s += ", no bias"
	}
	return s + ")"
}

// convUniform returns a tensor of the given shape with elements drawn
// uniformly from [-bound, bound).
func convUniform(rng *rand.Rand, bound float32, shape ...int) *tensor.Tensor {
	t := tensor.Zeros(shape...)
	d := t.Data()
	for i := range d {
		d[i] = (2*rng.Float32() - 1) * bound
	}
	return t
}
