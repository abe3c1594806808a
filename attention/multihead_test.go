package attention

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

func newTestMultiHead(embedDim, heads int, opts ...MultiHeadOption) *MultiHead {
	m := NewMultiHead(embedDim, heads, rand.New(rand.NewPCG(1, 2)), opts...)
	// Nonzero biases, so the tests see them; PyTorch starts them at zero.
	m.InProjBias.Data().CopyFrom(randn(20, 3*embedDim))
	m.OutProj.Bias.Data().CopyFrom(randn(21, embedDim))
	return m
}

// manualMultiHead composes multi-head attention from plain autodiff ops:
// project, slice each head's features, softmax(q·kᵀ/√d)·v per head,
// concatenate, project out.
func manualMultiHead(m *MultiHead, query, key, value *autodiff.Value) *autodiff.Value {
	e, heads := m.EmbedDim(), m.Heads()
	d := e / heads
	w, b := m.InProjWeight, m.InProjBias
	q := autodiff.Linear(query, autodiff.Slice(w, 1, 0, e), autodiff.Slice(b, 0, 0, e))
	k := autodiff.Linear(key, autodiff.Slice(w, 1, e, 2*e), autodiff.Slice(b, 0, e, 2*e))
	v := autodiff.Linear(value, autodiff.Slice(w, 1, 2*e, 3*e), autodiff.Slice(b, 0, 2*e, 3*e))

	var outs []*autodiff.Value
	for h := range heads {
		qh := autodiff.Slice(q, 2, h*d, (h+1)*d)
		kh := autodiff.Slice(k, 2, h*d, (h+1)*d)
		vh := autodiff.Slice(v, 2, h*d, (h+1)*d)
		scores := autodiff.MulScalar(autodiff.MatMul(qh, autodiff.Transpose(kh, 1, 2)), float32(1/math.Sqrt(float64(d))))
		outs = append(outs, autodiff.MatMul(autodiff.Softmax(scores, 2), vh))
	}
	return autodiff.Linear(autodiff.Concat(2, outs...), m.OutProj.Weight, m.OutProj.Bias)
}

// TestMultiHeadMatchesManual compares the output and every gradient with
// the composition of plain autodiff ops.
func TestMultiHeadMatchesManual(t *testing.T) {
	m := newTestMultiHead(8, 2)
	query, key := autodiff.Param(randn(1, 2, 3, 8)), autodiff.Param(randn(2, 2, 5, 8))
	value := autodiff.Param(randn(3, 2, 5, 8))
	upstream := randn(4, 2, 3, 8)

	run := func(f func() *autodiff.Value) (*tensor.Tensor, []*tensor.Tensor) {
		values := append([]*autodiff.Value{query, key, value}, autodiffValues(m)...)
		for _, v := range values {
			v.ZeroGrad()
		}
		out := f()
		out.BackwardWith(upstream)
		var grads []*tensor.Tensor
		for _, v := range values {
			grads = append(grads, v.Grad().Clone())
		}
		return out.Data(), grads
	}
	got, gotGrads := run(func() *autodiff.Value { return m.Forward(query, key, value) })
	want, wantGrads := run(func() *autodiff.Value { return manualMultiHead(m, query, key, value) })

	checkClose(t, "output", got, want, 1e-5)
	names := []string{"query", "key", "value", "in_proj.weight", "in_proj.bias", "out_proj.weight", "out_proj.bias"}
	for i := range gotGrads {
		checkClose(t, names[i]+" gradient", gotGrads[i], wantGrads[i], 1e-4)
	}
}

func autodiffValues(m *MultiHead) []*autodiff.Value {
	var vs []*autodiff.Value
	for _, p := range m.Params() {
		vs = append(vs, p.Value)
	}
	return vs
}

// TestMultiHeadGradCheck checks the gradient with respect to the inputs
// and every parameter, with masks, and with separate key and value sizes.
func TestMultiHeadGradCheck(t *testing.T) {
	t.Run("packed with masks", func(t *testing.T) {
		m := newTestMultiHead(4, 2)
		masks := Masks{Causal: true, KeyPaddingMask: [][]bool{{false, false, true}, {false, false, false}}}
		f := func(xs []*autodiff.Value) *autodiff.Value {
			m.InProjWeight, m.InProjBias, m.OutProj.Weight, m.OutProj.Bias = xs[3], xs[4], xs[5], xs[6]
			out, _ := m.ForwardMasked(xs[0], xs[1], xs[2], masks, false)
			return out
		}
		gradCheck(t, "MultiHead", f, randn(1, 2, 3, 4), randn(2, 2, 3, 4), randn(3, 2, 3, 4),
			m.InProjWeight.Data(), m.InProjBias.Data(), m.OutProj.Weight.Data(), m.OutProj.Bias.Data())
	})
	t.Run("separate key and value sizes", func(t *testing.T) {
		m := newTestMultiHead(4, 2, WithKeyValueDims(3, 5))
		f := func(xs []*autodiff.Value) *autodiff.Value {
			m.QueryWeight, m.KeyWeight, m.ValueWeight = xs[3], xs[4], xs[5]
			m.InProjBias, m.OutProj.Weight, m.OutProj.Bias = xs[6], xs[7], xs[8]
			return m.Forward(xs[0], xs[1], xs[2])
		}
		gradCheck(t, "MultiHead kdim/vdim", f, randn(1, 2, 2, 4), randn(2, 2, 3, 3), randn(3, 2, 3, 5),
			m.QueryWeight.Data(), m.KeyWeight.Data(), m.ValueWeight.Data(),
			m.InProjBias.Data(), m.OutProj.Weight.Data(), m.OutProj.Bias.Data())
	})
}

func TestMultiHeadParams(t *testing.T) {
	m := NewMultiHead(8, 2, rand.New(rand.NewPCG(1, 0)))
	want := map[string][]int{
		"in_proj.weight": {8, 24}, "in_proj.bias": {24},
		"out_proj.weight": {8, 8}, "out_proj.bias": {8},
	}
	order := []string{"in_proj.weight", "in_proj.bias", "out_proj.weight", "out_proj.bias"}
	ps := m.Params()
	if len(ps) != len(order) {
		t.Fatalf("%d params, want %d", len(ps), len(order))
	}
	for i, p := range ps {
		if p.Name != order[i] {
			t.Fatalf("param %d is %q, want %q", i, p.Name, order[i])
		}
		if !equalInts(p.Value.Shape(), want[p.Name]) {
			t.Fatalf("%s has shape %v, want %v", p.Name, p.Value.Shape(), want[p.Name])
		}
	}

	// PyTorch's initialisation: zero biases, Xavier uniform in-projection
	// with bound √(6/(8+24)) = 0.433, output weight within 1/√8 = 0.354.
	for _, b := range []*autodiff.Value{m.InProjBias, m.OutProj.Bias} {
		if tensor.MaxAll(tensor.Abs(b.Data())).Item() != 0 {
			t.Fatal("biases do not start at zero")
		}
	}
	if maxAbs := tensor.MaxAll(tensor.Abs(m.InProjWeight.Data())).Item(); maxAbs > 0.433 || maxAbs < 0.3 {
		t.Fatalf("in_proj.weight max |w| = %v, want near the Xavier bound 0.433", maxAbs)
	}
	if maxAbs := tensor.MaxAll(tensor.Abs(m.OutProj.Weight.Data())).Item(); maxAbs > 0.354 {
		t.Fatalf("out_proj.weight max |w| = %v, want within 1/√8 = 0.354", maxAbs)
	}

	names := func(m *MultiHead) []string {
		var s []string
		for _, p := range m.Params() {
			s = append(s, p.Name)
		}
		return s
	}
	got := names(NewMultiHead(8, 2, rand.New(rand.NewPCG(1, 0)), WithKeyValueDims(3, 5), WithoutBias()))
	wantNames := []string{"q_proj.weight", "k_proj.weight", "v_proj.weight", "out_proj.weight"}
	if len(got) != len(wantNames) {
		t.Fatalf("params %v, want %v", got, wantNames)
	}
	for i := range got {
		if got[i] != wantNames[i] {
			t.Fatalf("params %v, want %v", got, wantNames)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestMultiHeadWeights checks that the returned weights are the head
// average, with rows summing to 1 and zeros on padded keys.
func TestMultiHeadWeights(t *testing.T) {
	m := newTestMultiHead(8, 4)
	x := autodiff.Const(randn(1, 2, 3, 8))
	padding := [][]bool{{false, false, true}, {false, false, false}}
	_, w := m.ForwardMasked(x, x, x, Masks{KeyPaddingMask: padding}, true)
	if !equalInts(w.Shape(), []int{2, 3, 3}) {
		t.Fatalf("weights shape %v, want [2 3 3]", w.Shape())
	}
	checkClose(t, "row sums", tensor.Sum(w, 2, false), tensor.Ones(2, 3), 1e-6)
	checkClose(t, "padded key", w.Slice(0, 0, 1).Slice(2, 2, 3), tensor.Zeros(1, 3, 1), 0)
}

// TestMultiHeadDropoutDeterministic checks that two layers built from the
// same seed produce the same bits in training mode, and that evaluation
// mode turns dropout off.
func TestMultiHeadDropoutDeterministic(t *testing.T) {
	x := autodiff.Const(randn(1, 2, 4, 8))
	run := func(training bool) *tensor.Tensor {
		m := NewMultiHead(8, 2, rand.New(rand.NewPCG(3, 0)), WithDropout(0.5))
		m.SetTraining(training)
		return m.Forward(x, x, x).Data()
	}
	if !tensor.Equal(run(true), run(true)) {
		t.Fatal("same seed gave different outputs in training")
	}
	if tensor.Equal(run(true), run(false)) {
		t.Fatal("dropout 0.5 changed nothing in training")
	}
	if !tensor.Equal(run(false), run(false)) {
		t.Fatal("evaluation is not deterministic")
	}
}

func TestMultiHeadBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 0))
	expectPanic(t, func() { NewMultiHead(10, 3, rng) }, "attention.NewMultiHead", "embedDim 10", "heads 3")
	expectPanic(t, func() { NewMultiHead(0, 1, rng) }, "attention.NewMultiHead", "embedDim 0")
	expectPanic(t, func() { NewMultiHead(8, 2, rng, WithDropout(1)) }, "attention.NewMultiHead", "dropout 1")
	expectPanic(t, func() { NewMultiHead(8, 2, nil) }, "attention.NewMultiHead", "nil *rand.Rand")

	m := NewMultiHead(8, 2, rng)
	c := func(shape ...int) *autodiff.Value { return autodiff.Const(tensor.Zeros(shape...)) }
	expectPanic(t, func() { m.Forward(c(2, 3, 4), c(2, 3, 4), c(2, 3, 4)) }, "attention.MultiHead", "[2 3 4]", "[batch, seqQ, 8]")
	expectPanic(t, func() { m.Forward(c(3, 8), c(3, 8), c(3, 8)) }, "attention.MultiHead", "[3 8]")
	expectPanic(t, func() { m.Forward(c(2, 3, 8), c(1, 3, 8), c(1, 3, 8)) }, "attention.MultiHead", "[2 3 8]", "[1 3 8]")
	expectPanic(t, func() { m.Forward(c(2, 3, 8), c(2, 4, 8), c(2, 5, 8)) }, "attention.MultiHead", "[2 4 8]", "[2 5 8]")
	expectPanic(t, func() {
		m.ForwardMasked(c(2, 3, 8), c(2, 3, 8), c(2, 3, 8), Masks{KeyPaddingMask: [][]bool{{false}}}, false)
	}, "attention.MultiHead (attention.ScaledDotProduct)", "KeyPaddingMask")
}
