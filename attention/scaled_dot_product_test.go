package attention

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

// TestScaledDotProductByHand checks one head, seq 2, dim 2 against
// arithmetic done by hand, with scale 1:
//
//	q = [[1 0] [0 2]], k = [[1 0] [0 1]], v = [[1 2] [3 4]]
//	S = q·kᵀ = [[1 0] [0 2]]
//	row 0: softmax(1, 0) = [e/(e+1), 1/(e+1)]   = [0.7310585786, 0.2689414214]
//	       out = 0.7310586·[1 2] + 0.2689414·[3 4] = [1 + 2·0.2689414, 2 + 2·0.2689414]
//	           = [1.5378828, 2.5378828]
//	row 1: softmax(0, 2) = [1/(1+e²), e²/(1+e²)] = [0.1192029220, 0.8807970780]
//	       out = [1 + 2·0.8807971, 2 + 2·0.8807971] = [2.7615942, 3.7615942]
func TestScaledDotProductByHand(t *testing.T) {
	q := autodiff.Const(tensor.New([]int{1, 1, 2, 2}, []float32{1, 0, 0, 2}))
	k := autodiff.Const(tensor.New([]int{1, 1, 2, 2}, []float32{1, 0, 0, 1}))
	v := autodiff.Const(tensor.New([]int{1, 1, 2, 2}, []float32{1, 2, 3, 4}))
	out, weights := ScaledDotProduct(q, k, v, &Options{Scale: 1, NeedWeights: true})

	checkClose(t, "weights", weights, tensor.New([]int{1, 1, 2, 2}, []float32{0.7310585786, 0.2689414214, 0.1192029220, 0.8807970780}), 1e-6)
	checkClose(t, "output", out.Data(), tensor.New([]int{1, 1, 2, 2}, []float32{1.5378828, 2.5378828, 2.7615942, 3.7615942}), 1e-6)

	// Scale 0 means the default, 1/√dim, which is 1/√2 here.
	def, _ := ScaledDotProduct(q, k, v, nil)
	explicit, _ := ScaledDotProduct(q, k, v, &Options{Scale: 1 / math.Sqrt2})
	checkClose(t, "default scale", def.Data(), explicit.Data(), 0)
}

func TestScaledDotProductGradCheck(t *testing.T) {
	const batch, heads, seqQ, seqK, dim, valueDim = 2, 2, 3, 4, 3, 2
	floatMask := randn(9, seqQ, seqK)
	cases := []struct {
		name string
		opts Options
	}{
		{"plain", Options{}},
		{"scale", Options{Scale: 0.7}},
		{"float mask", Options{Masks: Masks{Mask: floatMask}}},
		{"masked out", Options{Masks: Masks{MaskedOut: [][]bool{
			{false, true, false, false}, {false, false, false, true}, {true, false, false, false},
		}}}},
		{"key padding", Options{Masks: Masks{KeyPaddingMask: [][]bool{{false, false, true, true}, {false, false, false, true}}}}},
		{"causal", Options{Masks: Masks{Causal: true}}},
		{"fully masked row", Options{Masks: Masks{MaskedOut: [][]bool{
			{true, true, true, true}, {false, false, false, true}, {true, false, false, false},
		}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := func(xs []*autodiff.Value) *autodiff.Value {
				opts := c.opts
				out, _ := ScaledDotProduct(xs[0], xs[1], xs[2], &opts)
				return out
			}
			gradCheck(t, c.name, f, randn(1, batch, heads, seqQ, dim), randn(2, batch, heads, seqK, dim), randn(3, batch, heads, seqK, valueDim))
		})
	}

	// Rank 3, [batch, seq, dim], with dropout: a generator created inside f
	// draws the same mask on every call, so the function is deterministic.
	t.Run("rank 3 with dropout", func(t *testing.T) {
		f := func(xs []*autodiff.Value) *autodiff.Value {
			opts := Options{Dropout: 0.3, Rand: rand.New(rand.NewPCG(5, 0))}
			out, _ := ScaledDotProduct(xs[0], xs[1], xs[2], &opts)
			return out
		}
		gradCheck(t, "dropout", f, randn(1, batch, seqQ, dim), randn(2, batch, seqK, dim), randn(3, batch, seqK, valueDim))
	})
}

// TestScaledDotProductCausal replaces the later tokens of query, key and
// value with new values and checks that the outputs of earlier tokens do
// not change.
func TestScaledDotProductCausal(t *testing.T) {
	const seq = 5
	q, k, v := randn(1, 2, 3, seq, 4), randn(2, 2, 3, seq, 4), randn(3, 2, 3, seq, 4)
	run := func(q, k, v *tensor.Tensor) *tensor.Tensor {
		out, _ := ScaledDotProduct(autodiff.Const(q), autodiff.Const(k), autodiff.Const(v), &Options{Masks: Masks{Causal: true}})
		return out.Data()
	}
	before := run(q, k, v)
	for _, from := range []int{1, 3} {
		q2, k2, v2 := q.Clone(), k.Clone(), v.Clone()
		for _, x := range []*tensor.Tensor{q2, k2, v2} {
			x.Slice(2, from, seq).CopyFrom(randn(7, 2, 3, seq-from, 4))
		}
		after := run(q2, k2, v2)
		checkClose(t, "tokens before the change", after.Slice(2, 0, from), before.Slice(2, 0, from), 0)
		if tensor.AllClose(after.Slice(2, from, seq), before.Slice(2, from, seq), 0, 1e-3) {
			t.Fatalf("changed tokens %d.. gave the same output; the test perturbs nothing", from)
		}
	}
}

// TestScaledDotProductKeyPadding checks that padded keys and values do not
// affect the output, and that the output equals attention over the
// unpadded keys alone.
func TestScaledDotProductKeyPadding(t *testing.T) {
	q, k, v := randn(1, 1, 2, 3), randn(2, 1, 5, 3), randn(3, 1, 5, 2)
	padding := [][]bool{{false, false, false, true, true}}
	run := func(k, v *tensor.Tensor) *tensor.Tensor {
		out, _ := ScaledDotProduct(autodiff.Const(q), autodiff.Const(k), autodiff.Const(v), &Options{Masks: Masks{KeyPaddingMask: padding}})
		return out.Data()
	}
	before := run(k, v)

	k2, v2 := k.Clone(), v.Clone()
	k2.Slice(1, 3, 5).Fill(100)
	v2.Slice(1, 3, 5).Fill(-100)
	checkClose(t, "padded keys changed", run(k2, v2), before, 0)

	short, _ := ScaledDotProduct(autodiff.Const(q), autodiff.Const(k.Slice(1, 0, 3).Contiguous()), autodiff.Const(v.Slice(1, 0, 3).Contiguous()), nil)
	checkClose(t, "unpadded keys only", before, short.Data(), 1e-6)
}

// TestScaledDotProductMasksAgree checks that a boolean mask, a −Inf float
// mask and Causal mask the same pairs.
func TestScaledDotProductMasksAgree(t *testing.T) {
	q, k, v := randn(1, 2, 4, 3), randn(2, 2, 4, 3), randn(3, 2, 4, 3)
	neg := float32(math.Inf(-1))
	floatMask := tensor.New([]int{4, 4}, []float32{
		0, neg, neg, neg,
		0, 0, neg, neg,
		0, 0, 0, neg,
		0, 0, 0, 0,
	})
	boolMask := [][]bool{
		{false, true, true, true},
		{false, false, true, true},
		{false, false, false, true},
		{false, false, false, false},
	}
	run := func(m Masks) *tensor.Tensor {
		out, _ := ScaledDotProduct(autodiff.Const(q), autodiff.Const(k), autodiff.Const(v), &Options{Masks: m})
		return out.Data()
	}
	causal := run(Masks{Causal: true})
	checkClose(t, "float mask", run(Masks{Mask: floatMask}), causal, 1e-6)
	checkClose(t, "boolean mask", run(Masks{MaskedOut: boolMask}), causal, 1e-6)
}

// TestScaledDotProductFullyMasked checks the documented choice for a query
// whose keys are all masked out: zero weights, zero output, zero gradient,
// and no NaN anywhere.
func TestScaledDotProductFullyMasked(t *testing.T) {
	q := autodiff.Param(randn(1, 2, 3, 4))
	k := autodiff.Param(randn(2, 2, 3, 4))
	v := autodiff.Param(randn(3, 2, 3, 4))
	padding := [][]bool{{true, true, true}, {false, true, false}}
	out, weights := ScaledDotProduct(q, k, v, &Options{Masks: Masks{KeyPaddingMask: padding}, NeedWeights: true})
	checkClose(t, "sample 0 output", out.Data().Slice(0, 0, 1), tensor.Zeros(1, 3, 4), 0)
	checkClose(t, "sample 0 weights", weights.Slice(0, 0, 1), tensor.Zeros(1, 3, 3), 0)

	autodiff.SumAll(out).Backward()
	for name, x := range map[string]*autodiff.Value{"query": q, "key": k, "value": v} {
		checkClose(t, name+" gradient of sample 0", x.Grad().Slice(0, 0, 1), tensor.Zeros(1, 3, 4), 0)
		for _, g := range x.Grad().Data() {
			if math.IsNaN(float64(g)) {
				t.Fatalf("%s gradient has NaN", name)
			}
		}
	}
}

// TestScaledDotProductDropout checks that dropout is reproducible from the
// seed, that the returned weights are the dropped ones, and that a
// surviving weight is scaled by 1/(1−p).
func TestScaledDotProductDropout(t *testing.T) {
	q, k, v := randn(1, 2, 2, 6, 4), randn(2, 2, 2, 6, 4), randn(3, 2, 2, 6, 4)
	run := func(seed uint64) (*tensor.Tensor, *tensor.Tensor) {
		opts := Options{Dropout: 0.5, Rand: rand.New(rand.NewPCG(seed, 0)), NeedWeights: true}
		out, w := ScaledDotProduct(autodiff.Const(q), autodiff.Const(k), autodiff.Const(v), &opts)
		return out.Data(), w
	}
	a, wa := run(1)
	b, _ := run(1)
	c, _ := run(2)
	if !tensor.Equal(a, b) {
		t.Fatal("same seed gave different outputs")
	}
	if tensor.Equal(a, c) {
		t.Fatal("different seeds gave the same output")
	}

	_, plain := ScaledDotProduct(autodiff.Const(q), autodiff.Const(k), autodiff.Const(v), &Options{NeedWeights: true})
	zeros := 0
	for i, w := range wa.Data() {
		switch w {
		case 0:
			zeros++
		default:
			if math.Abs(float64(w-2*plain.Data()[i])) > 1e-6 {
				t.Fatalf("weight %d is %v, want 0 or 2·%v", i, w, plain.Data()[i])
			}
		}
	}
	if zeros == 0 || zeros == len(wa.Data()) {
		t.Fatalf("%d of %d weights dropped with p = 0.5", zeros, len(wa.Data()))
	}
}

func TestScaledDotProductBadInput(t *testing.T) {
	c := func(shape ...int) *autodiff.Value { return autodiff.Const(tensor.Zeros(shape...)) }
	sdp := func(q, k, v *autodiff.Value, opts *Options) func() {
		return func() { ScaledDotProduct(q, k, v, opts) }
	}
	const name = "attention.ScaledDotProduct"
	expectPanic(t, sdp(c(2, 3), c(2, 3), c(2, 3), nil), name, "[2 3]")
	expectPanic(t, sdp(c(1, 2, 3), c(1, 2, 2, 3), c(1, 2, 2, 3), nil), name, "[1 2 3]", "[1 2 2 3]")
	expectPanic(t, sdp(c(2, 3, 4), c(3, 3, 4), c(3, 3, 4), nil), name, "[2 3 4]", "[3 3 4]", "leading")
	expectPanic(t, sdp(c(1, 3, 4), c(1, 3, 5), c(1, 3, 4), nil), name, "[1 3 4]", "[1 3 5]")
	expectPanic(t, sdp(c(1, 3, 4), c(1, 3, 4), c(1, 2, 4), nil), name, "[1 2 4]")
	ok := func(o Options) func() { return sdp(c(2, 3, 4), c(2, 5, 4), c(2, 5, 4), &o) }
	expectPanic(t, ok(Options{Masks: Masks{Mask: tensor.Zeros(3, 4)}}), name, "[3 4]", "[2 3 5]")
	expectPanic(t, ok(Options{Masks: Masks{MaskedOut: make([][]bool, 2)}}), name, "MaskedOut", "seqQ = 3")
	expectPanic(t, ok(Options{Masks: Masks{KeyPaddingMask: [][]bool{make([]bool, 5)}}}), name, "KeyPaddingMask", "batch = 2")
	expectPanic(t, ok(Options{Masks: Masks{KeyPaddingMask: [][]bool{make([]bool, 5), make([]bool, 4)}}}), name, "KeyPaddingMask row 1", "seqK = 5")
	expectPanic(t, ok(Options{Dropout: 1}), name, "dropout 1")
	expectPanic(t, ok(Options{Dropout: 0.1}), name, "Rand")
}
