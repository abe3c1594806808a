package nn

import "fmt"

// Pool2DSpec is the window of a 2-D pooling: kernel, stride, symmetric zero
// padding, dilation and the rounding of the output size, as in PyTorch's
// MaxPool2d and AvgPool2d.
type Pool2DSpec struct {
	// Kernel is the window size, rows then columns.
	Kernel [2]int
	// Stride is the step between windows (default: the kernel size).
	Stride [2]int
	// Padding is the implicit padding on each side, rows then columns. It
	// may be at most half the kernel size, as in PyTorch. Max pooling pads
	// with −∞, so padding never wins; average pooling pads with zeros.
	Padding [2]int
	// Dilation is the spacing between window taps (default 1). Average
	// pooling supports only 1.
	Dilation [2]int
	// CeilMode rounds the output size up instead of down, so a partial
	// window at the end still yields an output, except one that would
	// start inside the trailing padding.
	CeilMode bool
	// ExcludePadding makes average pooling divide by the number of input
	// elements in the window instead of the window size including padding
	// (PyTorch's count_include_pad=False).
	ExcludePadding bool
}

// poolGeom is a fully resolved pooling window over planes of an NCHW input.
type poolGeom struct {
	n, c, h, w int
	kh, kw     int
	sh, sw     int
	ph, pw     int
	dh, dw     int
	oh, ow     int
	ceil       bool
	exclude    bool
}

// poolOutSize returns the number of windows along one axis by PyTorch's
// rule: in ceil mode the size rounds up, but a last window that would start
// inside the trailing padding is dropped.
func poolOutSize(size, kernel, stride, pad, dilation int, ceil bool) int {
	span := dilation*(kernel-1) + 1
	num := size + 2*pad - span
	out := num/stride + 1
	if ceil {
		out = (num+stride-1)/stride + 1
		if (out-1)*stride >= size+pad {
			out--
		}
	}
	return out
}

// resolvePoolGeom checks spec against an input shape and computes the
// output size; op names the caller in panic messages.
func resolvePoolGeom(op string, inShape []int, spec Pool2DSpec) poolGeom {
	if len(inShape) != 4 {
		panic(fmt.Sprintf("nn.%s: input shape %v, want [batch, channels, height, width]", op, inShape))
	}
	g := poolGeom{
		n: inShape[0], c: inShape[1], h: inShape[2], w: inShape[3],
		kh: spec.Kernel[0], kw: spec.Kernel[1],
		sh: spec.Stride[0], sw: spec.Stride[1],
		ph: spec.Padding[0], pw: spec.Padding[1],
		dh: convOrOne(spec.Dilation[0]), dw: convOrOne(spec.Dilation[1]),
		ceil: spec.CeilMode, exclude: spec.ExcludePadding,
	}

	if g.kh < 1 || g.kw < 1 {
		panic(fmt.Sprintf("nn.%s: kernel %v must be at least 1×1", op, spec.Kernel))
	}
	if g.sh == 0 {
		g.sh = g.kh
	}
	if g.sw == 0 {
		g.sw = g.kw
	}

	if g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1 {
		panic(fmt.Sprintf("nn.%s: stride %v and dilation %v must be positive", op, spec.Stride, spec.Dilation))
	}
	if g.ph < 0 || g.pw < 0 || g.ph > g.kh/2 || g.pw > g.kw/2 {
		panic(fmt.Sprintf("nn.%s: padding %v must be between 0 and half the kernel %v", op, spec.Padding, spec.Kernel))
	}

	spanH, spanW := g.dh*(g.kh-1)+1, g.dw*(g.kw-1)+1
	if g.h+2*g.ph < spanH || g.w+2*g.pw < spanW {
		panic(fmt.Sprintf("nn.%s: input %v with padding %v is smaller than the window %d×%d", op, inShape, spec.Padding, spanH, spanW))
	}

	g.oh = poolOutSize(g.h, g.kh, g.sh, g.ph, g.dh, g.ceil)
	g.ow = poolOutSize(g.w, g.kw, g.sw, g.pw, g.dw, g.ceil)
	return g
}
