package attention

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/heed-ml/heed/asm"
	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

var opScaledDotProduct = autodiff.NewOp("ScaledDotProduct", scaledDotProductBackward)

// sdpSaved is the state of the backward rule: the contiguous inputs, the
// softmax weights P before dropout, the weights Pd that multiplied the
// values (P after dropout, or P itself), the dropout multipliers and the
// sizes.
type sdpSaved struct {
	q, k, v       []float32
	weights, used []float32
	drop          []float32 // nil without dropout
	scale         float32
	n, seqQ, seqK int
	dim, valueDim int
}

// ScaledDotProduct returns softmax(query·keyᵀ·scale + mask)·value, the
// attention of Vaswani et al. (2017), as PyTorch's
// F.scaled_dot_product_attention. The inputs are [batch, heads, seq, dim]
// or [batch, seq, dim]: query [..., seqQ, dim], key [..., seqK, dim] and
// value [..., seqK, valueDim], with equal leading axes. The result is
// [..., seqQ, valueDim].
//
// opts may be nil. With opts.NeedWeights it also returns the attention
// weights, [..., seqQ, seqK], after dropout, as PyTorch's
// nn.MultiheadAttention returns them; otherwise the second result is nil.
//
// A query row whose keys are all masked out gets zero weights and a zero
// output, and passes no gradient. PyTorch's softmax gives NaN there, which
// then spreads through the loss; zeros keep a fully padded row harmless.
//
// It panics, naming the shapes, when the ranks or sizes do not match, when
// a mask does not fit the scores, or when Dropout is outside [0, 1) or set
// without Rand.
//
// NOTE: there is no fused (flash) kernel. Each of the batch·heads score
// matrices, seqQ×seqK, is materialised, and the weights are kept for the
// backward pass, so memory grows with the square of the sequence length.
func ScaledDotProduct(query, key, value *autodiff.Value, opts *Options) (*autodiff.Value, *tensor.Tensor) {
	op := "attention.ScaledDotProduct"
	if opts != nil && opts.caller != "" {
		op = opts.caller + " (attention.ScaledDotProduct)"
	}
	if opts == nil {
		opts = &Options{}
	}
	qs, ks, vs := query.Shape(), key.Shape(), value.Shape()
	rank := len(qs)
	if (rank != 3 && rank != 4) || len(ks) != rank || len(vs) != rank {
		panic(fmt.Sprintf("%s: query %v, key %v, value %v; want all [batch, heads, seq, dim] or all [batch, seq, dim]", op, qs, ks, vs))
	}
	lead := qs[:rank-2]
	for i := range lead {
		if ks[i] != lead[i] || vs[i] != lead[i] {
			panic(fmt.Sprintf("%s: query %v, key %v, value %v disagree on the leading (batch, heads) axes", op, qs, ks, vs))
		}
	}
	seqQ, dim := qs[rank-2], qs[rank-1]
	seqK, valueDim := ks[rank-2], vs[rank-1]
	if ks[rank-1] != dim || vs[rank-2] != seqK {
		panic(fmt.Sprintf("%s: query %v, key %v, value %v; key must be [..., seqK, %d] and value [..., %d, valueDim]", op, qs, ks, vs, dim, seqK))
	}
	if !(opts.Dropout >= 0 && opts.Dropout < 1) {
		panic(fmt.Sprintf("%s: invalid dropout %v; want a probability in [0, 1)", op, opts.Dropout))
	}
	if opts.Dropout > 0 && opts.Rand == nil {
		panic(fmt.Sprintf("%s: dropout %v needs Options.Rand, a seeded *rand.Rand", op, opts.Dropout))
	}

	batch, heads := qs[0], 1
	if rank == 4 {
		heads = qs[1]
	}
	scoreShape := append(append([]int(nil), lead...), seqQ, seqK)
	bias := opts.scoreBias(op, scoreShape, batch, heads, seqQ, seqK)
	scale := float32(opts.Scale)
	if opts.Scale == 0 {
		scale = float32(1 / math.Sqrt(float64(dim)))
	}

	s := &sdpSaved{
		q: query.Data().Contiguous().Data(), k: key.Data().Contiguous().Data(), v: value.Data().Contiguous().Data(),
		scale: scale, n: batch * heads, seqQ: seqQ, seqK: seqK, dim: dim, valueDim: valueDim,
	}
	size := seqQ * seqK
	s.weights = make([]float32, s.n*size)
	s.used = s.weights

	// Draw the dropout multipliers first, on this goroutine and in
	// row-major order, so the bits depend only on the seed, not on how the
	// matrices are split across workers.
	if opts.Dropout > 0 {
		s.drop = make([]float32, len(s.weights))
		keep := float32(1 / (1 - opts.Dropout))
		for i := range s.drop {
			if opts.Rand.Float64() >= opts.Dropout {
				s.drop[i] = keep
			}
		}
		s.used = make([]float32, len(s.weights))
	}

	outShape := append(append([]int(nil), lead...), seqQ, valueDim)
	out := tensor.Zeros(outShape...)
	od := out.Data()
	forEachMatrix(s.n, size*(dim+valueDim), func(m int) {
		q := s.q[m*seqQ*dim : (m+1)*seqQ*dim]
		k := s.k[m*seqK*dim : (m+1)*seqK*dim]
		v := s.v[m*seqK*valueDim : (m+1)*seqK*valueDim]
		p := s.weights[m*size : (m+1)*size]

		// Scores S = scale·q·kᵀ, plus the mask.
		asm.Sgemm(false, true, seqQ, seqK, dim, scale, q, dim, k, dim, 0, p, seqK)
		if bias != nil {
			asm.AddTo(p, p, bias[m*size:(m+1)*size])
		}

		// Softmax of each row, in place.
		for i := range seqQ {
			softmaxRow(p[i*seqK : (i+1)*seqK])
		}

		// Dropout on the weights, then the weighted sum of the values.
		used := p
		if s.drop != nil {
			used = s.used[m*size : (m+1)*size]
			asm.MulTo(used, p, s.drop[m*size:(m+1)*size])
		}
		asm.Sgemm(false, false, seqQ, valueDim, seqK, 1, used, seqK, v, valueDim, 0, od[m*seqQ*valueDim:(m+1)*seqQ*valueDim], valueDim)
	})

	var weights *tensor.Tensor
	if opts.NeedWeights {
		weights = tensor.New(scoreShape, append([]float32(nil), s.used...))
	}
	return autodiff.Apply(opScaledDotProduct, out, s, query, key, value), weights
}

// softmaxRow replaces row with its softmax, through the SIMD kernel. A row
// that is all −Inf (every key masked out) becomes all zeros instead of NaN.
func softmaxRow(row []float32) {
	if math.IsInf(float64(asm.Max(row)), -1) {
		clear(row)
		return
	}
	asm.SoftmaxRows(row, row, 1, len(row))
}

// For one matrix, with S the scaled scores, P = softmax(S), Pd = P after
// dropout (multipliers D) and O = Pd·V, and G = ∂L/∂O:
//
//	∂L/∂V  = Pdᵀ·G
//	∂L/∂Pd = G·Vᵀ,   ∂L/∂P = ∂L/∂Pd ⊙ D
//	∂L/∂S  = P ⊙ (∂L/∂P − rowsum(∂L/∂P ⊙ P))   (the softmax rule)
//	∂L/∂Q  = scale·∂L/∂S·K,   ∂L/∂K = scale·∂L/∂Sᵀ·Q
//
// A fully masked row has P = 0, so its ∂L/∂S is 0 and it passes nothing on.
func scaledDotProductBackward(out *autodiff.Value, grad *tensor.Tensor) []*tensor.Tensor {
	s := out.Saved().(*sdpSaved)
	inputs := out.Inputs()
	query, key, value := inputs[0], inputs[1], inputs[2]
	seqQ, seqK, dim, valueDim := s.seqQ, s.seqK, s.dim, s.valueDim
	size := seqQ * seqK
	gd := grad.Contiguous().Data()

	dq := tensor.Zeros(query.Shape()...)
	dk := tensor.Zeros(key.Shape()...)
	dv := tensor.Zeros(value.Shape()...)
	dqd, dkd, dvd := dq.Data(), dk.Data(), dv.Data()
	forEachMatrix(s.n, size*(dim+valueDim), func(m int) {
		g := gd[m*seqQ*valueDim : (m+1)*seqQ*valueDim]
		q := s.q[m*seqQ*dim : (m+1)*seqQ*dim]
		k := s.k[m*seqK*dim : (m+1)*seqK*dim]
		v := s.v[m*seqK*valueDim : (m+1)*seqK*valueDim]
		p := s.weights[m*size : (m+1)*size]
		used := s.used[m*size : (m+1)*size]

		asm.Sgemm(true, false, seqK, valueDim, seqQ, 1, used, seqK, g, valueDim, 0, dvd[m*seqK*valueDim:(m+1)*seqK*valueDim], valueDim)

		dp := make([]float32, size)
		asm.Sgemm(false, true, seqQ, seqK, valueDim, 1, g, valueDim, v, valueDim, 0, dp, seqK)
		if s.drop != nil {
			asm.MulTo(dp, dp, s.drop[m*size:(m+1)*size])
		}

		// dp becomes ∂L/∂S in place, row by row.
		for i := range seqQ {
			pr, dr := p[i*seqK:(i+1)*seqK], dp[i*seqK:(i+1)*seqK]
			var dot float32
			for j := range pr {
				dot += pr[j] * dr[j]
			}
			for j := range pr {
				dr[j] = pr[j] * (dr[j] - dot)
			}
		}

		asm.Sgemm(false, false, seqQ, dim, seqK, s.scale, dp, seqK, k, dim, 0, dqd[m*seqQ*dim:(m+1)*seqQ*dim], dim)
		asm.Sgemm(true, false, seqK, dim, seqQ, s.scale, dp, seqK, q, dim, 0, dkd[m*seqK*dim:(m+1)*seqK*dim], dim)
	})
	return []*tensor.Tensor{dq, dk, dv}
}

// forEachMatrix calls fn(m) for m in [0, n), spread over GOMAXPROCS
// goroutines when the work (n·work multiply-adds) is worth it. Each call
// writes only its own matrix, so the result does not depend on the split.
func forEachMatrix(n, work int, fn func(m int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 || n*work < 1<<16 {
		for m := range n {
			fn(m)
		}
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := w * n / workers; m < (w+1)*n/workers; m++ {
				fn(m)
			}
		}()
	}
	wg.Wait()
}
