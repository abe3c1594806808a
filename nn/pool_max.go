package nn

import (
	"math"

	"github.com/heed-ml/heed/asm"
	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

var maxPoolOp = autodiff.NewOp("MaxPool2D", maxPoolBackward)

// maxPoolSaved records, for every output of a max pooling, the position in
// its input plane of the element that won, for the backward pass.
type maxPoolSaved struct {
	geom   poolGeom
	argmax []int32
}

// MaxPool returns the maximum of each window of x, [batch, channels, h, w],
// as [batch, channels, oh, ow]. Padding never wins a window. Among equal
// maxima the first in row-major order wins, and it alone receives the
// gradient. A NaN in a window wins over every number. It panics if the
// window does not fit x.
func MaxPool(x *autodiff.Value, spec Pool2DSpec) *autodiff.Value {
	g := resolvePoolGeom("MaxPool", x.Shape(), spec)
	xd := x.Data().Contiguous().Data()
	y := tensor.Zeros(g.n, g.c, g.oh, g.ow)
	yd := y.Data()
	// The winners' positions matter only to the backward pass, so a
	// forward pass that records no graph skips finding them.
	var argmax []int32
	if autodiff.GradEnabled() && x.RequiresGrad() {
		argmax = make([]int32, len(yd))
	}

	hw, ohw := g.h*g.w, g.oh*g.ow
	planes := g.n * g.c
	// The unrolled 2×2 path needs every window inside the input, which
	// ceil mode can break.
	fast := g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 &&
		g.dh == 1 && g.dw == 1 && 2*g.oh <= g.h && 2*g.ow <= g.w
	convParallel(planes, convWorkers(planes, len(xd)), func(_, lo, hi int) {
		for p := lo; p < hi; p++ {
			src := xd[p*hw : (p+1)*hw]
			dst := yd[p*ohw : (p+1)*ohw]
			var idx []int32
			if argmax != nil {
				idx = argmax[p*ohw : (p+1)*ohw]
			}
			if fast {
				maxPool2x2(&g, src, dst, idx)
			} else {
				maxPoolPlane(&g, src, dst, idx)
			}
		}
	})
	return autodiff.Apply(maxPoolOp, y, &maxPoolSaved{geom: g, argmax: argmax}, x)
}

// maxPoolKey maps v to an int32 that orders like v: larger floats give
// larger keys, −0 and +0 give the same key, and every NaN gives the largest
// key, so a NaN wins its window as in PyTorch. Comparing keys instead of
// floats lets the compiler pick the maximum with conditional moves. Float
// comparisons compile to branches, which mispredict about half the time on
// random activations.
func maxPoolKey(v float32) int32 {
	b := int32(math.Float32bits(v))
	abs := b & 0x7fffffff
	nan := (0x7f800000 - abs) >> 31 // all ones for NaN
	abs |= nan & 0x7fffffff
	sign := (b >> 31) &^ nan
	return (abs ^ sign) - sign
}

// maxPoolPlane pools one input plane with any window. Ties keep the first
// maximum in row-major order because only a strictly larger key replaces
// the best so far.
func maxPoolPlane(g *poolGeom, src, dst []float32, idx []int32) {
	for oh := range g.oh {
		h0 := oh*g.sh - g.ph
		for ow := range g.ow {
			w0 := ow*g.sw - g.pw
			// Every key is above MinInt32, so the first element in the
			// window always replaces this start.
			best := int32(math.MinInt32)
			bi := int32(-1)
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
					pos := int32(ih*g.w + iw)
					best, bi = maxPoolSelect(best, maxPoolKey(src[pos]), bi, pos)
				}
			}
			// Every window the output-size rule keeps holds at least one
			// input element, so bi is set.
			dst[oh*g.ow+ow] = src[bi]
			if idx != nil {
				idx[oh*g.ow+ow] = bi
			}
		}
	}
}

// maxPool2x2 is maxPoolPlane for the common 2×2 window with stride 2 and no
// padding, using the asm.MaxPool2x2Plane kernels, whose Index variant also
// records the winners when idx is not nil. Those kernels use SIMD where the
// CPU has it and follow the same rules as maxPoolPlane: the first of equal
// maxima (−0 and +0 included) wins, and so does the first NaN. The caller
// guarantees that every window lies inside the plane, so the output is
// exactly (h/2)×(w/2), which the kernels check.
func maxPool2x2(g *poolGeom, src, dst []float32, idx []int32) {
	if idx == nil {
		asm.MaxPool2x2Plane(dst, src, g.h, g.w)
		return
	}
	asm.MaxPool2x2PlaneIndex(dst, idx, src, g.h, g.w)
}

// maxPoolSelect returns (key, pos) when key > best and (best, bestPos)
// otherwise, using only arithmetic so that no branch can mispredict. Equal
// keys keep the earlier position.
func maxPoolSelect(best, key, bestPos, pos int32) (int32, int32) {
	// All ones exactly when key > best; int64 because the difference of
	// two keys can overflow int32.
	mask := int32((int64(best) - int64(key)) >> 63)
	return best ^ ((best ^ key) & mask), bestPos ^ ((bestPos ^ pos) & mask)
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
