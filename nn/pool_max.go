package nn

import (
	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

var maxPoolOp = autodiff.NewOp("MaxPool2D", maxPoolBackward)

// maxPoolSaved is what the backward pass of max pooling needs: for every
// output, the position in its input plane of the element that won.
type maxPoolSaved struct {
	geom   poolGeom
	argmax []int32
}

// MaxPool returns the maximum of each window of x, [batch, channels, h, w],
// as [batch, channels, oh, ow]. Padding never wins a window. Among equal
// maxima the first in row-major order wins, and it alone receives the
// gradient; a NaN in a window wins over every number. It panics if the
// window does not fit x.
func MaxPool(x *autodiff.Value, spec Pool2DSpec) *autodiff.Value {
	g := resolvePoolGeom("MaxPool", x.Shape(), spec)
	xd := x.Data().Contiguous().Data()
	y := tensor.Zeros(g.n, g.c, g.oh, g.ow)
	yd := y.Data()
	argmax := make([]int32, len(yd))

	hw, ohw := g.h*g.w, g.oh*g.ow
	planes := g.n * g.c
	fast := g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 && g.dh == 1 && g.dw == 1
	convParallel(planes, convWorkers(planes, len(xd)), func(_, lo, hi int) {
		for p := lo; p < hi; p++ {
			src := xd[p*hw : (p+1)*hw]
			dst := yd[p*ohw : (p+1)*ohw]
			idx := argmax[p*ohw : (p+1)*ohw]
			if fast {
				maxPool2x2(&g, src, dst, idx)
			} else {
				maxPoolPlane(&g, src, dst, idx)
			}
		}
	})
	return autodiff.Apply(maxPoolOp, y, &maxPoolSaved{geom: g, argmax: argmax}, x)
}

// maxPoolBetter reports whether v replaces best as the window's maximum:
// it must be larger, or a NaN where best is a number, so NaN propagates as
// in PyTorch. Equal values do not replace, which keeps the first maximum.
func maxPoolBetter(v, best float32) bool {
	return v > best || (v != v && best == best)
}

// maxPoolPlane pools one input plane with any window.
func maxPoolPlane(g *poolGeom, src, dst []float32, idx []int32) {
	for oh := range g.oh {
		h0 := oh*g.sh - g.ph
		for ow := range g.ow {
			w0 := ow*g.sw - g.pw
			var best float32
			bi := -1
			for i := range g.kh {
				ih := h0 + i*g.dh
				if ih < 0 || ih >= g.h {
					continue
				}
				for j := range g.kw {
					iw := w0 + j*g.dw
					if iw < 0 || iw >= g.w {
						continue
					}
					if v := src[ih*g.w+iw]; bi < 0 || maxPoolBetter(v, best) {
						best, bi = v, ih*g.w+iw
					}
				}
			}
			// Every window the output-size rule keeps holds at least one
			// input element, so bi is set; -1 would only mark an empty one.
			dst[oh*g.ow+ow] = best
			idx[oh*g.ow+ow] = int32(bi)
		}
	}
}

// maxPool2x2 is maxPoolPlane for the common 2×2 window with stride 2
// and no padding, unrolled.
func maxPool2x2(g *poolGeom, src, dst []float32, idx []int32) {
	for oh := range g.oh {
		top := 2 * oh * g.w
		bot := top + g.w
		r0 := src[top : top+2*g.ow]
		r1 := src[bot : bot+2*g.ow]
		d := dst[oh*g.ow : (oh+1)*g.ow]
		ix := idx[oh*g.ow : (oh+1)*g.ow]
		for ow := range d {
			best, bi := r0[2*ow], top+2*ow
			if v := r0[2*ow+1]; maxPoolBetter(v, best) {
				best, bi = v, top+2*ow+1
			}
			if v := r1[2*ow]; maxPoolBetter(v, best) {
				best, bi = v, bot+2*ow
			}
			if v := r1[2*ow+1]; maxPoolBetter(v, best) {
				best, bi = v, bot+2*ow+1
			}
			d[ow] = best
			ix[ow] = int32(bi)
		}
	}
}

// Each output's gradient goes to the input element that won its window.
// Overlapping windows that share a winner add their gradients there.
func maxPoolBackward(out *autodiff.Value, grad *tensor.Tensor) []*tensor.Tensor {
	s := out.Saved().(*maxPoolSaved)
	g := &s.geom
	x := out.Inputs()[0]
	dx := tensor.Zeros(x.Shape()...)
	dxd := dx.Data()
	gd := grad.Contiguous().Data()

	hw, ohw := g.h*g.w, g.oh*g.ow
	planes := g.n * g.c
	convParallel(planes, convWorkers(planes, len(dxd)), func(_, lo, hi int) {
		for p := lo; p < hi; p++ {
			d := dxd[p*hw : (p+1)*hw]
			src := gd[p*ohw : (p+1)*ohw]
			for o, i := range s.argmax[p*ohw : (p+1)*ohw] {
				if i >= 0 {
					d[i] += src[o]
				}
			}
		}
	})
	return []*tensor.Tensor{dx}
}
