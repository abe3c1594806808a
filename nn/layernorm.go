package nn

import (
	"fmt"
	"math"
	"slices"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

// LayerNorm normalises each sample over its trailing axes, the normalised
// shape, to zero mean and unit variance, then applies the learned
// elementwise "weight" (initially 1) and "bias" (initially 0) of that
// shape, as PyTorch's nn.LayerNorm. It uses the biased variance and behaves
// the same in training and evaluation.
type LayerNorm struct {
	Weight *autodiff.Value
	Bias   *autodiff.Value
	// Eps is added to the variance before the square root (default 1e-5).
	Eps float64

	shape []int
}

// NewLayerNorm returns a layer normalisation over trailing axes of the
// given shape, such as NewLayerNorm(512) for [batch, tokens, 512] input.
// It panics on an empty shape or a non-positive size.
func NewLayerNorm(shape ...int) *LayerNorm {
	if len(shape) == 0 {
		panic("nn.NewLayerNorm: empty normalised shape; give the sizes of the trailing axes to normalise")
	}
	for _, d := range shape {
		if d < 1 {
			panic(fmt.Sprintf("nn.NewLayerNorm: normalised shape %v has a non-positive size", shape))
		}
	}
	return &LayerNorm{
		Weight: autodiff.Param(tensor.Ones(shape...)),
		Bias:   autodiff.Param(tensor.Zeros(shape...)),
		Eps:    1e-5,
		shape:  slices.Clone(shape),
	}
}

// Params returns "weight" and "bias".
func (l *LayerNorm) Params() []Param {
	return []Param{{Name: "weight", Value: l.Weight}, {Name: "bias", Value: l.Bias}}
}

// String describes the layer, such as "LayerNorm([512])".
func (l *LayerNorm) String() string { return fmt.Sprintf("LayerNorm(%v)", l.shape) }

var layerNormOp = autodiff.NewOp("LayerNorm", layerNormBackward)

type layerNormSaved struct {
	xhat   []float32
	invStd []float32 // per row
	size   int       // elements per row
}

// Forward normalises x, whose trailing axes must equal the normalised
// shape; it panics otherwise.
func (l *LayerNorm) Forward(x *autodiff.Value) *autodiff.Value {
	xs := x.Shape()
	k := len(l.shape)
	if len(xs) < k || !slices.Equal(xs[len(xs)-k:], l.shape) {
		panic(fmt.Sprintf("nn.LayerNorm: input shape %v does not end in the normalised shape %v", xs, l.shape))
	}
	size := 1
	for _, d := range l.shape {
		size *= d
	}
	xd := x.Data().Contiguous().Data()
	rows := len(xd) / size
	w := l.Weight.Data().Contiguous().Data()
	b := l.Bias.Data().Contiguous().Data()
	y := tensor.Zeros(xs...)
	yd := y.Data()
	s := &layerNormSaved{xhat: make([]float32, len(xd)), invStd: make([]float32, rows), size: size}

	convParallel(rows, convWorkers(rows, len(xd)), func(_, lo, hi int) {
		for r := lo; r < hi; r++ {
			row := xd[r*size : (r+1)*size]
			var sum float64
			for _, v := range row {
				sum += float64(v)
			}
			mean := sum / float64(size)
			var sq float64
			for _, v := range row {
				d := float64(v) - mean
				sq += d * d
			}
			inv := float32(1 / math.Sqrt(sq/float64(size)+l.Eps))
			s.invStd[r] = inv
			m32 := float32(mean)
			xh := s.xhat[r*size : (r+1)*size]
			out := yd[r*size : (r+1)*size]
			for j, v := range row {
				xh[j] = (v - m32) * inv
				out[j] = w[j]*xh[j] + b[j]
			}
		}
	})
	return autodiff.Apply(layerNormOp, y, s, x, l.Weight, l.Bias)
}

// With x̂ = (x − μ)·σ⁻¹ per row of size m and y = w⊙x̂ + b: ∂L/∂b and
// ∂L/∂w sum g and g⊙x̂ over rows, and with d = w⊙g,
// ∂L/∂x = σ⁻¹ · (d − mean(d) − x̂·mean(d⊙x̂)).
func layerNormBackward(out *autodiff.Value, grad *tensor.Tensor) []*tensor.Tensor {
	s := out.Saved().(*layerNormSaved)
	inputs := out.Inputs()
	x, weight := inputs[0], inputs[1]
	gd := grad.Contiguous().Data()
	w := weight.Data().Contiguous().Data()
	size := s.size
	rows := len(gd) / size

	dw := tensor.Zeros(weight.Shape()...)
	db := tensor.Zeros(weight.Shape()...)
	dwd, dbd := dw.Data(), db.Data()
	// The weight and bias gradients sum over rows in row order, on one
	// goroutine, so they do not depend on the thread count.
	for r := range rows {
		g := gd[r*size : (r+1)*size]
		xh := s.xhat[r*size : (r+1)*size]
		for j := range g {
			dbd[j] += g[j]
			dwd[j] += g[j] * xh[j]
		}
	}

	var dx *tensor.Tensor
	if x.RequiresGrad() {
		dx = tensor.Zeros(x.Shape()...)
		dxd := dx.Data()
		convParallel(rows, convWorkers(rows, len(gd)), func(_, lo, hi int) {
			for r := lo; r < hi; r++ {
				g := gd[r*size : (r+1)*size]
				xh := s.xhat[r*size : (r+1)*size]
				var sumD, sumDX float64
				for j := range g {
					d := float64(w[j]) * float64(g[j])
					sumD += d
					sumDX += d * float64(xh[j])
				}
				meanD := float32(sumD / float64(size))
				meanDX := float32(sumDX / float64(size))
				inv := s.invStd[r]
				out := dxd[r*size : (r+1)*size]
				for j := range g {
					out[j] = inv * (w[j]*g[j] - meanD - xh[j]*meanDX)
				}
			}
		})
	}
	return []*tensor.Tensor{dx, dw, db}
}
