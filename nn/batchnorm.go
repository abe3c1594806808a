package nn

import (
	"fmt"
	"math"

	"github.com/heed-ml/heed/asm"
	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

// BatchNorm normalises each channel (axis 1) of its input over the batch
// and every axis after the channel. It then scales and shifts the result by
// the learned "weight" (γ, initially 1) and "bias" (β, initially 0), as
// PyTorch's BatchNorm1d and BatchNorm2d do.
//
// In training mode it normalises with the statistics of the batch and
// updates the running estimates:
//
//	running = (1 − Momentum)·running + Momentum·batch
//
// or, with CumulativeAverage set (PyTorch's momentum=None), by the
// cumulative moving average
//
//	running = running + (batch − running)/n
//
// where n is NumBatchesTracked after counting the current batch, so that
// after n batches from a fresh layer each running estimate is the plain
// mean of the n batch statistics. In both forms the running variance takes
// the unbiased batch variance (divided by count − 1) while the
// normalisation itself uses the biased one, as in PyTorch. In evaluation
// mode it normalises with the running estimates and leaves them and the
// count alone. A new BatchNorm starts in training mode.
//
// The running estimates and the count are state, not parameters: Params
// leaves them out so optimizers do not touch them, and Buffers returns them
// for checkpoints.
//
// NOTE: A checkpoint written before num_batches_tracked existed lacks it,
// and LoadCheckpoint, which requires every entry of the state in the file,
// rejects it with an error that lists the missing names. To load such a
// file, leave the count out of the state:
//
//	state := slices.DeleteFunc(nn.State(m), func(p nn.Param) bool {
//		return p.Name == "num_batches_tracked" || strings.HasSuffix(p.Name, ".num_batches_tracked")
//	})
//
// The count then stays at 0, the value PyTorch gives state dicts older than
// the buffer. So in cumulative mode the next training batch replaces the
// loaded running estimates instead of averaging with them.
//
// NOTE: Forward in training mode writes the running estimates in place, so
// one BatchNorm must not run Forward from two goroutines at once.
type BatchNorm struct {
	Weight *autodiff.Value // γ, [channels]
	Bias   *autodiff.Value // β, [channels]

	// RunningMean and RunningVar are the estimates used in evaluation
	// mode, [channels], starting at 0 and 1.
	RunningMean *tensor.Tensor
	RunningVar  *tensor.Tensor

	// NumBatchesTracked is the number of Forward calls made in training
	// mode, starting at 0. It is a 0-dimensional tensor, like PyTorch's
	// buffer, so that checkpoints carry it.
	//
	// NOTE: float32 represents whole numbers exactly only up to 2²⁴
	// (16,777,216). Past that the count stops growing, so the cumulative
	// average keeps weighting each new batch about 1/2²⁴.
	NumBatchesTracked *tensor.Tensor

	// Momentum is the weight of the newest batch in the running estimates
	// (default 0.1). It is ignored when CumulativeAverage is set.
	Momentum float64
	// CumulativeAverage replaces the momentum update with the cumulative
	// moving average over NumBatchesTracked batches (default false). It is
	// the counterpart of PyTorch's momentum=None.
	CumulativeAverage bool
	// Eps is added to the variance before the square root (default 1e-5).
	Eps float64

	// ranks lists the input ranks this layer accepts: 2 or 3 for
	// BatchNorm1D, 4 for BatchNorm2D.
	ranks    []int
	name     string
	training bool
}

// NewBatchNorm1D returns a batch normalisation over features for input
// [batch, features] or [batch, features, length].
func NewBatchNorm1D(features int) *BatchNorm {
	return newBatchNorm("BatchNorm1D", features, []int{2, 3})
}

// NewBatchNorm2D returns a batch normalisation over channels for NCHW input
// [batch, channels, height, width].
func NewBatchNorm2D(channels int) *BatchNorm {
	return newBatchNorm("BatchNorm2D", channels, []int{4})
}

func newBatchNorm(name string, channels int, ranks []int) *BatchNorm {
	if channels < 1 {
		panic(fmt.Sprintf("nn.New%s: %d channels; want at least 1", name, channels))
	}
	return &BatchNorm{
		Weight:            autodiff.Param(tensor.Ones(channels)),
		Bias:              autodiff.Param(tensor.Zeros(channels)),
		RunningMean:       tensor.Zeros(channels),
		RunningVar:        tensor.Ones(channels),
		NumBatchesTracked: tensor.Scalar(0),
		Momentum:          0.1,
		Eps:               1e-5,
		ranks:             ranks,
		name:              name,
		training:          true,
	}
}

// SetTraining switches between batch statistics (training) and running
// statistics (evaluation).
func (b *BatchNorm) SetTraining(training bool) { b.training = training }

// Training reports whether the layer is in training mode.
func (b *BatchNorm) Training() bool { return b.training }

// Params returns "weight" (γ) and "bias" (β).
func (b *BatchNorm) Params() []Param {
	return []Param{{Name: "weight", Value: b.Weight}, {Name: "bias", Value: b.Bias}}
}

// Buffers returns the running estimates and the batch count as
// "running_mean", "running_var" and "num_batches_tracked", PyTorch's
// state-dict names, for saving and loading. The values wrap the layer's own
// tensors, so loading into them in place restores the layer.
func (b *BatchNorm) Buffers() []Param {
	return []Param{
		{Name: "running_mean", Value: autodiff.Const(b.RunningMean)},
		{Name: "running_var", Value: autodiff.Const(b.RunningVar)},
		{Name: "num_batches_tracked", Value: autodiff.Const(b.NumBatchesTracked)},
	}
}

// String describes the layer, such as "BatchNorm2D(32)".
func (b *BatchNorm) String() string {
	return fmt.Sprintf("%s(%d)", b.name, b.Weight.Shape()[0])
}

var batchNormOp = autodiff.NewOp("BatchNorm", batchNormBackward)

// batchNormSaved is the backward state of a BatchNorm: each channel's mean
// and 1/√(var + eps), whether batch statistics were used, and, for small
// planes only, the normalised input.
type batchNormSaved struct {
	xhat     []float32 // nil when the planes are long enough for batchNormPlanes
	mean     []float32
	invStd   []float32
	training bool
	c, inner int // channels, elements per channel per sample
}

// batchNormVectorMin is the plane size (elements per channel per sample)
// from which BatchNorm works plane by plane with the vector kernels of asm,
// recomputing x − mean in the backward pass instead of storing the
// normalised input. Below it the per-call cost of those kernels outweighs
// their speed, so short planes, such as BatchNorm1D's [batch, features],
// take the scalar loops.
const batchNormVectorMin = 32

// Forward normalises x; see BatchNorm. It panics if x has the wrong rank
// or channel count, or, in training mode, holds a single value per channel,
// whose variance is undefined, or if NumBatchesTracked is not a whole
// number ≥ 0, as after loading a corrupt checkpoint.
func (b *BatchNorm) Forward(x *autodiff.Value) *autodiff.Value {
	xs := x.Shape()
	c := b.Weight.Shape()[0]
	rankOK := false
	for _, r := range b.ranks {
		rankOK = rankOK || len(xs) == r
	}
	if !rankOK || xs[1] != c {
		panic(fmt.Sprintf("nn.%s: input shape %v, want rank %v with %d channels on axis 1", b.name, xs, b.ranks, c))
	}
	n := xs[0]
	inner := 1
	for _, d := range xs[2:] {
		inner *= d
	}
	count := n * inner
	if b.training && count < 2 {
		panic(fmt.Sprintf("nn.%s: input shape %v has %d value per channel; training needs at least 2 to estimate a variance", b.name, xs, count))
	}

	// Count this batch before the update, so that the first batch gets
	// weight 1/1 in the cumulative average.
	var seen float64
	if b.training {
		seen = float64(b.NumBatchesTracked.Item())
		if seen < 0 || seen != math.Floor(seen) || math.IsInf(seen, 0) {
			panic(fmt.Sprintf("nn.%s: invalid num_batches_tracked %v, want a whole number ≥ 0; set NumBatchesTracked to 0 to restart the count", b.name, seen))
		}
		seen++
		b.NumBatchesTracked.Fill(float32(seen))
	}

	xd := x.Data().Contiguous().Data()
	gamma := b.Weight.Data().Contiguous().Data()
	beta := b.Bias.Data().Contiguous().Data()
	y := tensor.Zeros(xs...)
	yd := y.Data()
	s := &batchNormSaved{mean: make([]float32, c), invStd: make([]float32, c), training: b.training, c: c, inner: inner}
	vector := inner >= batchNormVectorMin
	if !vector {
		s.xhat = make([]float32, len(xd))
	}
	runMean, runVar := b.RunningMean.Data(), b.RunningVar.Data()

	convParallel(c, convWorkers(c, len(xd)), func(_, lo, hi int) {
		var tmp []float32
		if vector {
			tmp = make([]float32, inner)
		}
		for ch := lo; ch < hi; ch++ {
			var mean, variance float64
			switch {
			case b.training && vector:
				mean, variance = batchNormPlaneStats(xd, ch, n, c, inner, tmp)
			case b.training:
				mean, variance = batchNormStats(xd, ch, n, c, inner)
			}
			if b.training {
				// Unbiased variance for the running estimate, biased for
				// the normalisation, as PyTorch does.
				unbiased := variance * float64(count) / float64(count-1)
				rm, rv := float64(runMean[ch]), float64(runVar[ch])
				if b.CumulativeAverage {
					rm += (mean - rm) / seen
					rv += (unbiased - rv) / seen
				} else {
					rm = (1-b.Momentum)*rm + b.Momentum*mean
					rv = (1-b.Momentum)*rv + b.Momentum*unbiased
				}
				runMean[ch], runVar[ch] = float32(rm), float32(rv)
			} else {
				mean, variance = float64(runMean[ch]), float64(runVar[ch])
			}
			inv := 1 / math.Sqrt(variance+b.Eps)
			s.invStd[ch] = float32(inv)
			s.mean[ch] = float32(mean)
			m32, inv32 := float32(mean), float32(inv)
			if vector {
				// y = (x − mean)·(γ·inv) + β, three passes over a plane
				// that stays in L1. Subtracting first keeps the result
				// accurate when the mean is large compared with the spread.
				scale := gamma[ch] * inv32
				for i := range n {
					off := (i*c + ch) * inner
					yp := yd[off : off+inner]
					asm.SubScalarTo(yp, xd[off:off+inner], m32)
					asm.MulScalarTo(yp, yp, scale)
					asm.AddScalarTo(yp, yp, beta[ch])
				}
				continue
			}
			for i := range n {
				off := (i*c + ch) * inner
				for j := off; j < off+inner; j++ {
					h := (xd[j] - m32) * inv32
					s.xhat[j] = h
					yd[j] = gamma[ch]*h + beta[ch]
				}
			}
		}
	})
	return autodiff.Apply(batchNormOp, y, s, x, b.Weight, b.Bias)
}

// batchNormStats returns the mean and biased variance of channel ch of x,
// [n, c, inner], accumulated in float64 in two passes, which stays accurate
// when the mean is large compared with the spread.
func batchNormStats(x []float32, ch, n, c, inner int) (mean, variance float64) {
	var sum float64
	for i := range n {
		off := (i*c + ch) * inner
		for _, v := range x[off : off+inner] {
			sum += float64(v)
		}
	}
	count := float64(n * inner)
	mean = sum / count
	var sq float64
	for i := range n {
		off := (i*c + ch) * inner
		for _, v := range x[off : off+inner] {
			d := float64(v) - mean
			sq += d * d
		}
	}
	return mean, sq / count
}

// batchNormPlaneStats is batchNormStats for long planes: each plane is
// summed, then shifted by the mean into tmp and dotted with itself, by the
// vector kernels in float32, and the plane results add up in float64.
func batchNormPlaneStats(x []float32, ch, n, c, inner int, tmp []float32) (mean, variance float64) {
	var sum float64
	for i := range n {
		off := (i*c + ch) * inner
		sum += float64(asm.Sum(x[off : off+inner]))
	}
	count := float64(n * inner)
	mean = sum / count
	var sq float64
	for i := range n {
		off := (i*c + ch) * inner
		asm.SubScalarTo(tmp, x[off:off+inner], float32(mean))
		sq += float64(asm.DotUnitary(tmp, tmp))
	}
	return mean, sq / count
}

// With x̂ = (x − μ)·σ⁻¹ and y = γ·x̂ + β, over the m values of a channel:
// ∂L/∂β = Σ g, ∂L/∂γ = Σ g·x̂, and in training mode, where μ and σ depend
// on x, ∂L/∂x = γ·σ⁻¹/m · (m·g − Σ g − x̂·Σ g·x̂). In evaluation mode μ and
// σ are constants and ∂L/∂x = γ·σ⁻¹·g.
func batchNormBackward(out *autodiff.Value, grad *tensor.Tensor) []*tensor.Tensor {
	s := out.Saved().(*batchNormSaved)
	inputs := out.Inputs()
	x, weight := inputs[0], inputs[1]
	gd := grad.Contiguous().Data()
	gamma := weight.Data().Contiguous().Data()
	c, inner := s.c, s.inner
	n := 0
	if c*inner > 0 {
		n = len(gd) / (c * inner)
	}
	m := float64(n * inner)

	dgamma := tensor.Zeros(c)
	dbeta := tensor.Zeros(c)
	dgd, dbd := dgamma.Data(), dbeta.Data()
	var dx *tensor.Tensor
	var dxd []float32
	if x.RequiresGrad() {
		dx = tensor.Zeros(x.Shape()...)
		dxd = dx.Data()
	}

	convParallel(c, convWorkers(c, len(gd)), func(_, lo, hi int) {
		if s.xhat == nil {
			batchNormPlanesBackward(s, lo, hi, n, x.Data().Contiguous().Data(), gd, gamma, dgd, dbd, dxd)
			return
		}
		for ch := lo; ch < hi; ch++ {
			var sumG, sumGX float64
			for i := range n {
				off := (i*c + ch) * inner
				for j := off; j < off+inner; j++ {
					sumG += float64(gd[j])
					sumGX += float64(gd[j]) * float64(s.xhat[j])
				}
			}
			dbd[ch] = float32(sumG)
			dgd[ch] = float32(sumGX)
			if dxd == nil {
				continue
			}
			scale := float32(float64(gamma[ch]) * float64(s.invStd[ch]))
			if !s.training {
				for i := range n {
					off := (i*c + ch) * inner
					for j := off; j < off+inner; j++ {
						dxd[j] = scale * gd[j]
					}
				}
				continue
			}
			meanG := float32(sumG / m)
			meanGX := float32(sumGX / m)
			for i := range n {
				off := (i*c + ch) * inner
				for j := off; j < off+inner; j++ {
					dxd[j] = scale * (gd[j] - meanG - s.xhat[j]*meanGX)
				}
			}
		}
	})
	return []*tensor.Tensor{dx, dgamma, dbeta}
}

// batchNormPlanesBackward is the backward pass for channels [lo, hi) when
// the forward pass stored no normalised input. With t = x − μ rebuilt plane
// by plane, Σ g·x̂ = σ⁻¹·Σ g·t, and in training mode
// ∂L/∂x = γσ⁻¹·g − γσ⁻¹·mean(g) − γσ⁻²·mean(g·x̂)·t, three vector passes.
// dxd is nil when the input needs no gradient.
func batchNormPlanesBackward(s *batchNormSaved, lo, hi, n int, xd, gd, gamma, dgd, dbd, dxd []float32) {
	c, inner := s.c, s.inner
	m := float64(n * inner)
	tmp := make([]float32, inner)
	for ch := lo; ch < hi; ch++ {
		mean, inv := s.mean[ch], s.invStd[ch]
		var sumG, sumGT float64
		for i := range n {
			off := (i*c + ch) * inner
			gp := gd[off : off+inner]
			sumG += float64(asm.Sum(gp))
			asm.SubScalarTo(tmp, xd[off:off+inner], mean)
			sumGT += float64(asm.DotUnitary(gp, tmp))
		}
		sumGX := sumGT * float64(inv)
		dbd[ch] = float32(sumG)
		dgd[ch] = float32(sumGX)
		if dxd == nil {
			continue
		}
		scale := float32(float64(gamma[ch]) * float64(inv))
		for i := range n {
			off := (i*c + ch) * inner
			dxp := dxd[off : off+inner]
			asm.MulScalarTo(dxp, gd[off:off+inner], scale)
			if !s.training {
				continue
			}
			asm.SubScalarTo(tmp, xd[off:off+inner], mean)
			asm.AxpyUnitary(float32(-float64(scale)*float64(inv)*sumGX/m), tmp, dxp)
			asm.AddScalarTo(dxp, dxp, float32(-float64(scale)*sumG/m))
		}
	}
}
