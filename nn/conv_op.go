package nn

import (
	"fmt"

	"github.com/heed-ml/heed/asm"
	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

var convOp = autodiff.NewOp("Conv2D", convBackward)

// Convolve2D returns the 2-D cross-correlation of x with the kernels w plus
// the bias b, as PyTorch's conv2d computes it. x is [batch, inC, h, w] and w
// is [outC, inC/groups, kh, kw]; b is [outC] or nil. The result is
// [batch, outC, oh, ow] with oh = (h + top + bottom − dilation·(kh−1) − 1)
// / stride + 1 and ow likewise. It panics if the shapes do not fit spec.
//
// Each image is lowered to an im2col matrix and multiplied by the weights
// with one SGEMM per image and group. A 1×1 kernel with stride 1 and no
// padding skips the lowering. Images are split across GOMAXPROCS workers.
func Convolve2D(x, w, b *autodiff.Value, spec Conv2DSpec) *autodiff.Value {
	ws := w.Shape()
	if len(ws) != 4 {
		panic(fmt.Sprintf("nn.Convolve2D: weight shape %v, want [outChannels, inChannels/groups, kh, kw]", ws))
	}
	g := resolveConvGeom("Convolve2D", x.Shape(), ws[0], ws[2], ws[3], spec)
	if g.c%g.groups != 0 || g.outC%g.groups != 0 {
		panic(fmt.Sprintf("nn.Convolve2D: input channels %d and output channels %d must both divide by groups %d (input %v, weight %v)", g.c, g.outC, g.groups, x.Shape(), ws))
	}
	if ws[1] != g.cg() {
		panic(fmt.Sprintf("nn.Convolve2D: weight %v has %d input channels per group, input %v with %d groups has %d", ws, ws[1], x.Shape(), g.groups, g.cg()))
	}
	var bd []float32
	if b != nil {
		if bs := b.Shape(); len(bs) != 1 || bs[0] != g.outC {
			panic(fmt.Sprintf("nn.Convolve2D: bias shape %v, want [%d] for weight %v", bs, g.outC, ws))
		}
		bd = b.Data().Contiguous().Data()
	}

	y := tensor.Zeros(g.n, g.outC, g.oh, g.ow)
	convForward(&g, x.Data().Contiguous().Data(), w.Data().Contiguous().Data(), bd, y.Data())

	inputs := []*autodiff.Value{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	return autodiff.Apply(convOp, y, &g, inputs...)
}

// convDirect reports whether the input itself is the im2col matrix: a 1×1
// kernel with stride 1 and no padding reads every input element once, in
// order.
func (g *convGeom) convDirect() bool {
	return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pb == 0 && g.pl == 0 && g.pr == 0
}

// convForward computes y = conv(x, w) + b on contiguous data.
//
// When the input is lowered to cols, the bias rides along in the product.
// Cols gets an extra row of ones and each weight row an extra column
// holding its bias, so SGEMM writes the finished output in one pass
// instead of the output being filled with the bias first.
func convForward(g *convGeom, x, w, b, y []float32) {
	hw, ohw, k := g.h*g.w, g.outSize(), g.k()
	cg, og := g.cg(), g.og()
	direct := g.convDirect()

	kb := k // columns of the weight matrix handed to SGEMM
	wb := w
	if b != nil && !direct {
		kb = k + 1
		wb = make([]float32, g.outC*kb)
		for oc := range g.outC {
			copy(wb[oc*kb:oc*kb+k], w[oc*k:(oc+1)*k])
			wb[oc*kb+k] = b[oc]
		}
	}

	work := g.n * g.outC * ohw * k
	convParallel(g.n, convWorkers(g.n, work), func(_, lo, hi int) {
		var cols *[]float32
		if !direct {
			cols = convGetScratch(kb * ohw)
			defer convPutScratch(cols)
			// convIm2col rewrites only the first k rows, so the row of
			// ones survives from image to image.
			convFill((*cols)[k*ohw:kb*ohw], 1)
		}
		for i := lo; i < hi; i++ {
			for grp := range g.groups {
				xg := x[(i*g.c+grp*cg)*hw : (i*g.c+(grp+1)*cg)*hw]
				yg := y[(i*g.outC+grp*og)*ohw : (i*g.outC+(grp+1)*og)*ohw]
				wg := wb[grp*og*kb : (grp+1)*og*kb]
				if !direct {
					convIm2col(g, xg, *cols)
					asm.Sgemm(false, false, og, ohw, kb, 1, wg, kb, *cols, ohw, 0, yg, ohw)
					continue
				}
				// The input is the cols matrix; start each output plane
				// from its bias and let SGEMM add the product with beta 1.
				beta := float32(0)
				if b != nil {
					for oc := range og {
						convFill(yg[oc*ohw:(oc+1)*ohw], b[grp*og+oc])
					}
					beta = 1
				}
				asm.Sgemm(false, false, og, ohw, k, 1, wg, k, xg, ohw, beta, yg, ohw)
			}
		}
	})
}

func convFill(dst []float32, v float32) {
	for i := range dst {
		dst[i] = v
	}
}

// For y = W·cols + b per image and group, with upstream gradient G:
// ∂L/∂W = Σ_images G·colsᵀ, ∂L/∂b = Σ G over images and positions, and
// ∂L/∂cols = Wᵀ·G, which col2im adds back onto the input elements it was
// copied from. The cols matrix is rebuilt from x rather than kept from the
// forward pass, which trades a cheap copy for not holding it in memory.
func convBackward(out *autodiff.Value, grad *tensor.Tensor) []*tensor.Tensor {
	g := out.Saved().(*convGeom)
	inputs := out.Inputs()
	x, w := inputs[0], inputs[1]
	needX, needW := x.RequiresGrad(), w.RequiresGrad()
	needB := len(inputs) == 3 && inputs[2].RequiresGrad()

	xd := x.Data().Contiguous().Data()
	wd := w.Data().Contiguous().Data()
	gd := grad.Contiguous().Data()
	hw, ohw, k := g.h*g.w, g.outSize(), g.k()
	cg, og := g.cg(), g.og()

	var dx *tensor.Tensor
	var dxd []float32
	if needX {
		dx = tensor.Zeros(x.Shape()...)
		dxd = dx.Data()
	}

	// Weight and bias gradients sum over images, so each worker adds its
	// images into its own partial sums, and the partials are added in
	// worker order afterwards: the same bits for the same thread count.
	//
	// When both are needed and the input is lowered, the bias gradient
	// comes out of the weight-gradient product as one more column: the
	// cols matrix gets a row of ones, whose product with G is the row sums
	// of G. That saves a separate pass over G.
	direct := g.convDirect()
	fold := needW && needB && !direct
	kb := k
	if fold {
		kb = k + 1
	}
	// The weight gradient G·colsᵀ takes cols already transposed from
	// convIm2colT, so SGEMM need not transpose it while packing. That pays
	// for 3×3 kernels, whose taps convIm2colT copies in fixed-size blocks:
	// 21 µs instead of 31 µs per image in BenchmarkConvWeightGradPieces.
	// Its 5×5 case ran about 20 % slower, so kernels other than 3×3 keep
	// convIm2col and the transposing SGEMM.
	transposed := g.kw == 3 && g.dw == 1
	work := g.n * g.outC * ohw * k
	workers := convWorkers(g.n, work)
	partW := make([][]float32, workers)
	partB := make([][]float32, workers)

	convParallel(g.n, workers, func(wk, lo, hi int) {
		var dW, dB []float32
		if needW {
			dW = make([]float32, g.outC*kb)
			partW[wk] = dW
		}
		if needB && !fold {
			dB = make([]float32, g.outC)
			partB[wk] = dB
		}
		var cols, dcols *[]float32
		if !direct {
			if needW {
				cols = convGetScratch(ohw * kb)
				defer convPutScratch(cols)
				switch {
				case !transposed:
					convFill((*cols)[k*ohw:kb*ohw], 1)
				case fold:
					// The ones sit in column k of every row, which
					// convIm2colT never writes.
					for p := range ohw {
						(*cols)[p*kb+k] = 1
					}
				}
			}
			if needX {
				dcols = convGetScratch(k * ohw)
				defer convPutScratch(dcols)
			}
		}
		for i := lo; i < hi; i++ {
			for grp := range g.groups {
				gy := gd[(i*g.outC+grp*og)*ohw : (i*g.outC+(grp+1)*og)*ohw]
				wg := wd[grp*og*k : (grp+1)*og*k]
				xOff := (i*g.c + grp*cg) * hw
				if dB != nil {
					for oc := range og {
						dB[grp*og+oc] += asm.Sum(gy[oc*ohw : (oc+1)*ohw])
					}
				}
				if needW {
					dWg := dW[grp*og*kb : (grp+1)*og*kb]
					src := xd[xOff : xOff+cg*hw]
					switch {
					case cols == nil:
						asm.Sgemm(false, true, og, kb, ohw, 1, gy, ohw, src, ohw, 1, dWg, kb)
					case transposed:
						convIm2colT(g, src, *cols, kb)
						asm.Sgemm(false, false, og, kb, ohw, 1, gy, ohw, *cols, kb, 1, dWg, kb)
					default:
						convIm2col(g, src, *cols)
						asm.Sgemm(false, true, og, kb, ohw, 1, gy, ohw, *cols, ohw, 1, dWg, kb)
					}
				}
				if needX {
					dxg := dxd[xOff : xOff+cg*hw]
					if dcols == nil {
						asm.Sgemm(true, false, k, ohw, og, 1, wg, k, gy, ohw, 0, dxg, hw)
						continue
					}
					asm.Sgemm(true, false, k, ohw, og, 1, wg, k, gy, ohw, 0, *dcols, ohw)
					convCol2im(g, *dcols, dxg)
				}
			}
		}
	})

	if fold {
		// Split each row [dW row | db] of the summed partials.
		sum := convSumPartials(partW)
		dW := make([]float32, g.outC*k)
		dB := make([]float32, g.outC)
		for oc := range g.outC {
			copy(dW[oc*k:(oc+1)*k], sum[oc*kb:oc*kb+k])
			dB[oc] = sum[oc*kb+k]
		}
		partW = [][]float32{dW}
		partB = [][]float32{dB}
	}

	grads := make([]*tensor.Tensor, len(inputs))
	grads[0] = dx
	if needW {
		grads[1] = tensor.New(w.Shape(), convSumPartials(partW))
	}
	if needB {
		grads[2] = tensor.New([]int{g.outC}, convSumPartials(partB))
	}
	return grads
}

// convSumPartials adds parts[1:] into parts[0] in order and returns it.
func convSumPartials(parts [][]float32) []float32 {
	sum := parts[0]
	for _, p := range parts[1:] {
		asm.AddTo(sum, sum, p)
	}
	return sum
}
