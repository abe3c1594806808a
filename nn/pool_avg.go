package nn

import (
	"fmt"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

var avgPoolOp = autodiff.NewOp("AvgPool2D", avgPoolBackward)

// AvgPool returns the mean of each window of x, [batch, channels, h, w], as
// [batch, channels, oh, ow]. As in PyTorch, the divisor counts the zero
// padding inside the window but not the part of a ceil-mode window that
// runs past the padding. With spec.ExcludePadding it counts input elements
// only. It panics if the window does not fit x or spec has a dilation.
func AvgPool(x *autodiff.Value, spec Pool2DSpec) *autodiff.Value {
	g := resolvePoolGeom("AvgPool", x.Shape(), spec)
	if g.dh != 1 || g.dw != 1 {
		panic(fmt.Sprintf("nn.AvgPool: dilation %v is not supported; average pooling needs dilation 1", spec.Dilation))
	}
	xd := x.Data().Contiguous().Data()
	y := tensor.Zeros(g.n, g.c, g.oh, g.ow)
	yd := y.Data()

	hw, ohw := g.h*g.w, g.oh*g.ow
	planes := g.n * g.c
	convParallel(planes, convWorkers(planes, len(xd)), func(_, lo, hi int) {
		for p := lo; p < hi; p++ {
			src := xd[p*hw : (p+1)*hw]
			dst := yd[p*ohw : (p+1)*ohw]
			for oh := range g.oh {
				h0, h1, _ := avgPoolWindow(oh, g.sh, g.ph, g.kh, g.h)
				for ow := range g.ow {
					w0, w1, _ := avgPoolWindow(ow, g.sw, g.pw, g.kw, g.w)
					var s float32
					for ih := h0; ih < h1; ih++ {
						for _, v := range src[ih*g.w+w0 : ih*g.w+w1] {
							s += v
						}
					}
					dst[oh*g.ow+ow] = s / avgPoolDivisor(&g, oh, ow)
				}
			}
		}
	})
	return autodiff.Apply(avgPoolOp, y, &g, x)
}

// avgPoolWindow returns the input range [lo, hi) that output o covers along
// one axis, and the window's extent counting padding but not what lies
// beyond it, which is PyTorch's divisor.
func avgPoolWindow(o, stride, pad, kernel, size int) (lo, hi, padded int) {
	start := o*stride - pad
	end := min(start+kernel, size+pad)
	padded = end - start
	return max(start, 0), min(end, size), padded
}

// avgPoolDivisor returns the number the sum of window (oh, ow) is divided by.
func avgPoolDivisor(g *poolGeom, oh, ow int) float32 {
	h0, h1, ph := avgPoolWindow(oh, g.sh, g.ph, g.kh, g.h)
	w0, w1, pw := avgPoolWindow(ow, g.sw, g.pw, g.kw, g.w)
	if g.exclude {
		return float32((h1 - h0) * (w1 - w0))
	}
	return float32(ph * pw)
}

// Each input element of a window receives the window's gradient divided by
// the window's divisor; overlapping windows add.
func avgPoolBackward(out *autodiff.Value, grad *tensor.Tensor) []*tensor.Tensor {
	g := out.Saved().(*poolGeom)
	x := out.Inputs()[0]
	dx := tensor.Zeros(x.Shape()...)
	dxd := dx.Data()
	gd := grad.Contiguous().Data()

	hw, ohw := g.h*g.w, g.oh*g.ow
	planes := g.n * g.c
	convParallel(planes, convWorkers(planes, len(dxd)), func(_, lo, hi int) {
		for p := lo; p < hi; p++ {
			dst := dxd[p*hw : (p+1)*hw]
			src := gd[p*ohw : (p+1)*ohw]
			for oh := range g.oh {
				h0, h1, _ := avgPoolWindow(oh, g.sh, g.ph, g.kh, g.h)
				for ow := range g.ow {
					w0, w1, _ := avgPoolWindow(ow, g.sw, g.pw, g.kw, g.w)
					v := src[oh*g.ow+ow] / avgPoolDivisor(g, oh, ow)
					for ih := h0; ih < h1; ih++ {
						row := dst[ih*g.w+w0 : ih*g.w+w1]
						for j := range row {
							row[j] += v
						}
					}
				}
			}
		}
	})
	return []*tensor.Tensor{dx}
}

var globalAvgPoolOp = autodiff.NewOp("GlobalAvgPool2D", globalAvgPoolBackward)

// GlobalAvgPool returns the mean of each channel plane of x, [batch,
// channels, h, w], as [batch, channels], the usual head of a convolutional
// classifier (PyTorch's AdaptiveAvgPool2d(1) followed by a flatten).
func GlobalAvgPool(x *autodiff.Value) *autodiff.Value {
	xs := x.Shape()
	if len(xs) != 4 || xs[2]*xs[3] == 0 {
		panic(fmt.Sprintf("nn.GlobalAvgPool: input shape %v, want [batch, channels, height, width] with a non-empty plane", xs))
	}
	xd := x.Data().Contiguous().Data()
	hw := xs[2] * xs[3]
	y := tensor.Zeros(xs[0], xs[1])
	yd := y.Data()
	for p := range yd {
		var s float32
		for _, v := range xd[p*hw : (p+1)*hw] {
			s += v
		}
		yd[p] = s / float32(hw)
	}
	return autodiff.Apply(globalAvgPoolOp, y, nil, x)
}

// Every element of a plane receives the plane's gradient over its size.
func globalAvgPoolBackward(out *autodiff.Value, grad *tensor.Tensor) []*tensor.Tensor {
	x := out.Inputs()[0]
	xs := x.Shape()
	hw := xs[2] * xs[3]
	dx := tensor.Zeros(xs...)
	dxd := dx.Data()
	for p, v := range grad.Contiguous().Data() {
		convFill(dxd[p*hw:(p+1)*hw], v/float32(hw))
	}
	return []*tensor.Tensor{dx}
}
