package nn

import "fmt"

// Conv2DSpec is the geometry of a 2-D convolution or pooling window beyond
// its kernel size: stride, zero padding, dilation and groups, per axis.
// Zero fields take their defaults, so the zero Conv2DSpec is a stride-1,
// unpadded, undilated, ungrouped convolution.
type Conv2DSpec struct {
	// Stride is the step between windows, rows then columns (default 1).
	Stride [2]int
	// Padding is the number of zero rows or columns added on each side:
	// top, bottom, left, right. It may be asymmetric, as "same" padding
	// with an even kernel needs.
	Padding [4]int
	// Dilation is the spacing between kernel taps, rows then columns
	// (default 1).
	Dilation [2]int
	// Groups splits the input and output channels into that many
	// independent convolutions (default 1). Pooling ignores it.
	Groups int
}

// SymmetricPadding returns the padding [top, bottom, left, right] that adds
// rows zero rows above and below and cols zero columns left and right.
func SymmetricPadding(rows, cols int) [4]int { return [4]int{rows, rows, cols, cols} }

// SamePadding returns the padding that makes a convolution with this kernel,
// stride and dilation produce ceil(size/stride) outputs along each axis of an
// h×w input. For stride 1 the output has the input's size, and an odd
// total padding puts the extra row or column at the bottom or right, as
// PyTorch's padding="same" does. For larger strides it follows
// TensorFlow's "SAME" rule, which PyTorch does not offer.
func SamePadding(h, w int, kernel, stride, dilation [2]int) [4]int {
	size := [2]int{h, w}
	var pad [4]int
	for ax := range 2 {
		s := max(stride[ax], 1)
		d := max(dilation[ax], 1)
		span := d*(kernel[ax]-1) + 1
		out := (size[ax] + s - 1) / s
		total := max((out-1)*s+span-size[ax], 0)
		pad[2*ax] = total / 2
		pad[2*ax+1] = total - total/2
	}
	return pad
}

// convGeom is a fully resolved convolution: every size the kernels need.
type convGeom struct {
	n, c, h, w   int // input batch, channels, height, width
	outC, kh, kw int // output channels and kernel size
	sh, sw       int // strides
	pt, pb       int // padding top, bottom
	pl, pr       int // padding left, right
	dh, dw       int // dilations
	groups       int
	oh, ow       int // output height, width
}

// cg returns the input channels per group.
func (g *convGeom) cg() int { return g.c / g.groups }

// og returns the output channels per group.
func (g *convGeom) og() int { return g.outC / g.groups }

// k returns the rows of one group's im2col matrix: taps per output.
func (g *convGeom) k() int { return g.cg() * g.kh * g.kw }

// outSize returns oh*ow, the columns of one image's im2col matrix.
func (g *convGeom) outSize() int { return g.oh * g.ow }

// resolveConvGeom fills the defaults of spec, checks it against an input of shape
// [n, c, h, w] and a kernel kh×kw, and computes the output size. op names
// the caller in panic messages.
func resolveConvGeom(op string, inShape []int, outC, kh, kw int, spec Conv2DSpec) convGeom {
	if len(inShape) != 4 {
		panic(fmt.Sprintf("nn.%s: input shape %v, want [batch, channels, height, width]", op, inShape))
	}
	g := convGeom{
		n: inShape[0], c: inShape[1], h: inShape[2], w: inShape[3],
		outC: outC, kh: kh, kw: kw,
		sh: convOrOne(spec.Stride[0]), sw: convOrOne(spec.Stride[1]),
		pt: spec.Padding[0], pb: spec.Padding[1], pl: spec.Padding[2], pr: spec.Padding[3],
		dh: convOrOne(spec.Dilation[0]), dw: convOrOne(spec.Dilation[1]),
		groups: convOrOne(spec.Groups),
	}
	if g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1 || g.groups < 1 {
		panic(fmt.Sprintf("nn.%s: stride %v, dilation %v and groups %d must be positive", op, spec.Stride, spec.Dilation, spec.Groups))
	}
	if g.pt < 0 || g.pb < 0 || g.pl < 0 || g.pr < 0 {
		panic(fmt.Sprintf("nn.%s: negative padding %v", op, spec.Padding))
	}
	if kh < 1 || kw < 1 {
		panic(fmt.Sprintf("nn.%s: kernel %d×%d must be at least 1×1", op, kh, kw))
	}
	spanH := g.dh*(kh-1) + 1
	spanW := g.dw*(kw-1) + 1
	if g.h+g.pt+g.pb < spanH || g.w+g.pl+g.pr < spanW {
		panic(fmt.Sprintf("nn.%s: input %v with padding %v is smaller than the dilated kernel %d×%d", op, inShape, spec.Padding, spanH, spanW))
	}
	g.oh = (g.h+g.pt+g.pb-spanH)/g.sh + 1
	g.ow = (g.w+g.pl+g.pr-spanW)/g.sw + 1
	return g
}

func convOrOne(v int) int {
	if v == 0 {
		return 1
	}
	return v
}
