package nn

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

func TestEmbeddingLookup(t *testing.T) {
	e := NewEmbedding(5, 3, rand.New(rand.NewPCG(1, 0)))
	out := e.Lookup([]int{4, 0, 4, 2}, 2, 2)
	if !slices.Equal(out.Shape(), []int{2, 2, 3}) {
		t.Fatalf("shape %v, want [2 2 3]", out.Shape())
	}
	w := e.Weight.Data()
	for p, id := range []int{4, 0, 4, 2} {
		for j := range 3 {
			if got := out.Data().At(p/2, p%2, j); got != w.At(id, j) {
				t.Fatalf("output %d feature %d is %v, want row %d's %v", p, j, got, id, w.At(id, j))
			}
		}
	}
	if got := e.Lookup([]int{1, 2}).Shape(); !slices.Equal(got, []int{2, 3}) {
		t.Fatalf("default shape %v, want [2 3]", got)
	}

	// Forward reads the same ids from a float tensor.
	fwd := e.Forward(autodiff.Const(tensor.New([]int{2, 2}, []float32{4, 0, 4, 2})))
	if !tensor.Equal(fwd.Data(), out.Data()) {
		t.Fatal("Forward and Lookup disagree on the same ids")
	}
}

// TestEmbeddingInit checks N(0, 1) statistics over a large table and a
// zero padding row.
func TestEmbeddingInit(t *testing.T) {
	e := NewEmbedding(200, 50, rand.New(rand.NewPCG(1, 0)), WithPaddingIdx(-1))
	if idx, ok := e.PaddingIdx(); !ok || idx != 199 {
		t.Fatalf("PaddingIdx() = %d, %v, want 199, true", idx, ok)
	}
	d := e.Weight.Data().Data()
	var sum, sq float64
	for _, v := range d[:199*50] {
		sum += float64(v)
		sq += float64(v) * float64(v)
	}
	n := float64(199 * 50)
	if mean, variance := sum/n, sq/n-(sum/n)*(sum/n); mean < -0.05 || mean > 0.05 || variance < 0.9 || variance > 1.1 {
		t.Fatalf("mean %v, variance %v, want about 0 and 1", mean, variance)
	}
	for _, v := range d[199*50:] {
		if v != 0 {
			t.Fatal("padding row does not start at zero")
		}
	}
}

// TestEmbeddingGradient checks that a repeated id accumulates its
// gradients, that unused rows and the padding row get zero, and that
// GradCheck agrees.
func TestEmbeddingGradient(t *testing.T) {
	e := NewEmbedding(4, 2, rand.New(rand.NewPCG(1, 0)), WithPaddingIdx(0))
	ids := []int{3, 0, 3, 1, 0}
	upstream := tensor.New([]int{5, 2}, []float32{1, 2, 10, 20, 3, 4, 5, 6, 30, 40})
	e.Lookup(ids).BackwardWith(upstream)
	want := []float32{
		0, 0, // padding row: ids at positions 1 and 4 pass nothing
		5, 6, // id 1 at position 3
		0, 0, // id 2 unused
		4, 6, // id 3 at positions 0 and 2: [1 2] + [3 4]
	}
	if got := e.Weight.Grad().Data(); !slices.Equal(got, want) {
		t.Fatalf("gradient %v, want %v", got, want)
	}

	// Central differences see the padding row move the output, which the
	// padding rule hides from the gradient on purpose, so GradCheck must
	// disagree. With the padding positions' outputs multiplied by zero,
	// both sides agree on every row.
	table := tensor.RandNormal(rand.New(rand.NewPCG(2, 0)), 0, 1, 4, 2)
	f := func(xs []*autodiff.Value) *autodiff.Value {
		e.Weight = xs[0]
		return e.Lookup(ids, 5)
	}
	if err := autodiff.GradCheck(f, []*tensor.Tensor{table}, nil); err == nil {
		t.Fatal("GradCheck agrees, so the padding row received a gradient")
	}
	keep := autodiff.Const(tensor.New([]int{5, 1}, []float32{1, 0, 1, 1, 0}))
	masked := func(xs []*autodiff.Value) *autodiff.Value {
		e.Weight = xs[0]
		return autodiff.Mul(e.Lookup(ids, 5), keep)
	}
	if err := autodiff.GradCheck(masked, []*tensor.Tensor{table}, nil); err != nil {
		t.Fatal(err)
	}

	// Without padding every row's gradient matches central differences.
	plain := NewEmbedding(4, 2, rand.New(rand.NewPCG(1, 0)))
	g := func(xs []*autodiff.Value) *autodiff.Value {
		plain.Weight = xs[0]
		return plain.Lookup(ids, 5)
	}
	if err := autodiff.GradCheck(g, []*tensor.Tensor{tensor.RandNormal(rand.New(rand.NewPCG(2, 0)), 0, 1, 4, 2)}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestEmbeddingBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 0))
	denseExpectPanic(t, "zero size", func() { NewEmbedding(0, 3, rng) }, "nn.NewEmbedding", "0×3")
	denseExpectPanic(t, "nil rng", func() { NewEmbedding(4, 3, nil) }, "nn.NewEmbedding", "nil *rand.Rand")
	denseExpectPanic(t, "padding", func() { NewEmbedding(4, 3, rng, WithPaddingIdx(4)) }, "nn.NewEmbedding", "padding index 4", "4 embeddings")
	denseExpectPanic(t, "padding from end", func() { NewEmbedding(4, 3, rng, WithPaddingIdx(-5)) }, "padding index -5")

	e := NewEmbedding(10, 3, rng)
	denseExpectPanic(t, "id too large", func() { e.Lookup([]int{1, 10}) }, "nn.Embedding", "id 10", "10 embeddings")
	denseExpectPanic(t, "negative id", func() { e.Lookup([]int{-1}) }, "nn.Embedding", "id -1")
	denseExpectPanic(t, "shape", func() { e.Lookup([]int{1, 2, 3}, 2, 2) }, "nn.Embedding.Lookup", "3 ids", "[2 2]")
	denseExpectPanic(t, "empty", func() { e.Lookup(nil) }, "nn.Embedding.Lookup", "0 ids")
	denseExpectPanic(t, "fraction", func() { e.Forward(autodiff.Const(tensor.FromSlice([]float32{1, 2.5}))) }, "nn.Embedding.Forward", "2.5")
	denseExpectPanic(t, "float id range", func() { e.Forward(autodiff.Const(tensor.FromSlice([]float32{12}))) }, "nn.Embedding", "id 12")
}
