package autodiff

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/heed-ml/heed/tensor"
)

// linearLoss builds mean(relu(x·w + b)·v), a small network whose backward
// pass uses pooled buffers (ReLU, the loss) and direct leaf accumulation
// (Linear).
func linearLoss(x, w, b, v *Value) *Value {
	return MeanAll(Mul(ReLU(Linear(x, w, b)), v))
}

func TestLinearLeafGradMatchesNonLeaf(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	xt, wt, bt, vt := randT(rng, 4, 3), randT(rng, 3, 5), randT(rng, 5), randT(rng, 4, 5)

	// Leaf weight: Linear adds into w.Grad directly.
	w, b := Param(wt.Clone()), Param(bt.Clone())
	linearLoss(Const(xt), w, b, Const(vt)).Backward()

	// Non-leaf weight: the same values reach Linear through Reshape, so
	// the gradients return through Backward's usual path.
	w2, b2 := Param(wt.Clone()), Param(bt.Clone())
	linearLoss(Const(xt), Reshape(w2, 3, 5), Reshape(b2, 5), Const(vt)).Backward()

	assertClose(t, "weight grad", w.Grad(), w2.Grad())
	assertClose(t, "bias grad", b.Grad(), b2.Grad())
}

func TestLinearLeafGradAccumulates(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x, w, b, v := Const(randT(rng, 4, 3)), Param(randT(rng, 3, 5)), Param(randT(rng, 5)), Const(randT(rng, 4, 5))
	loss := linearLoss(x, w, b, v)
	loss.Backward()
	once := w.Grad().Clone()
	onceBias := b.Grad().Clone()

	loss.Backward()
	assertClose(t, "weight grad after two Backward calls", w.Grad(), tensor.MulScalar(once, 2))
	assertClose(t, "bias grad after two Backward calls", b.Grad(), tensor.MulScalar(onceBias, 2))

	w.ZeroGrad()
	b.ZeroGrad()
	loss.Backward()
	assertClose(t, "weight grad after ZeroGrad", w.Grad(), once)
	assertClose(t, "bias grad after ZeroGrad", b.Grad(), onceBias)
}

func TestSharedLeafSumsBothLinears(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	xt, wt := randT(rng, 2, 3), randT(rng, 3, 3)
	twice := func(x, w1, w2 *Value) *Value { return SumAll(Linear(Linear(x, w1, nil), w2, nil)) }

	// w feeds two Linear ops, and both add into w.Grad directly.
	w := Param(wt.Clone())
	twice(Const(xt), w, w).Backward()

	// Through Reshape both contributions return to Backward, which sums
	// them before adding them to the leaf.
	w2 := Param(wt.Clone())
	twice(Const(xt), Reshape(w2, 3, 3), Reshape(w2, 3, 3)).Backward()
	assertClose(t, "shared weight grad", w.Grad(), w2.Grad())

	err := GradCheck(func(in []*Value) *Value { return twice(Const(xt), in[0], in[0]) }, []*tensor.Tensor{wt.Clone()}, nil)
	if err != nil {
		t.Fatal(err)
	}
}

func TestLeafGradsSurviveLaterBackward(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	v := Const(randT(rng, 4, 5))
	w, b := Param(randT(rng, 3, 5)), Param(randT(rng, 5))
	x2 := Param(randT(rng, 4, 3))
	loss := linearLoss(x2, w, b, v)
	loss.Backward()
	firstGrad := x2.Grad().Clone()

	// More backward passes of the same shapes reuse the pooled buffers;
	// the first graph's leaf gradient must not be one of them.
	for range 5 {
		x := Param(randT(rng, 4, 3))
		linearLoss(x, Param(randT(rng, 3, 5)), Param(randT(rng, 5)), Const(randT(rng, 4, 5))).Backward()
	}
	if !slices.Equal(x2.Grad().Data(), firstGrad.Data()) {
		t.Fatalf("input grad changed by later Backward calls:\n got %v\nwant %v", x2.Grad().Data(), firstGrad.Data())
	}
}

func TestBackwardDeterministicWithPool(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	xt, wt, bt, vt := randT(rng, 8, 6), randT(rng, 6, 4), randT(rng, 4), randT(rng, 8, 4)
	var grads [][]float32
	for range 3 {
		w := Param(wt.Clone())
		linearLoss(Param(xt.Clone()), w, Param(bt.Clone()), Const(vt)).Backward()
		grads = append(grads, slices.Clone(w.Grad().Data()))
	}
	for i := 1; i < len(grads); i++ {
		if !slices.Equal(grads[i], grads[0]) {
			t.Fatalf("run %d weight grad %v, run 0 %v: want identical bits", i, grads[i], grads[0])
		}
	}
}

func TestNewGradOutsideBackwardIsZero(t *testing.T) {
	v := Param(tensor.Zeros(2, 3))
	g := v.newGrad(2, 3)
	if !slices.Equal(g.Shape(), []int{2, 3}) {
		t.Fatalf("shape %v, want [2 3]", g.Shape())
	}
	for i, x := range g.Data() {
		if x != 0 {
			t.Fatalf("element %d = %v, want 0", i, x)
		}
	}
}

func TestBackwardStillCorrectAfterPanic(t *testing.T) {
	bad := NewOp("Bad", func(out *Value, g *tensor.Tensor) []*tensor.Tensor {
		panic("bad rule")
	})
	x := Param(tensor.FromSlice([]float32{1, 2}))
	y := SumAll(Apply(bad, x.Data().Clone(), nil, x))
	func() {
		defer func() { _ = recover() }()
		y.Backward()
	}()

	// A graph sharing x must start from clean pending gradients.
	z := SumAll(MulScalar(x, 3))
	z.Backward()
	want := []float32{3, 3}
	if !slices.Equal(x.Grad().Data(), want) {
		t.Fatalf("grad %v, want %v", x.Grad().Data(), want)
	}
}

func assertClose(t *testing.T, what string, got, want *tensor.Tensor) {
	t.Helper()
	if !slices.Equal(got.Shape(), want.Shape()) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
	}
	g, w := got.Contiguous().Data(), want.Contiguous().Data()
	for i := range g {
		d := g[i] - w[i]
		if d < 0 {
			d = -d
		}
		if d > 1e-5+1e-5*max(w[i], -w[i]) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, g[i], w[i])
		}
	}
}

func TestZeroGradThenGradIsZero(t *testing.T) {
	x := Param(tensor.FromSlice([]float32{1, 2}))
	SumAll(MulScalar(x, 3)).Backward()
	x.ZeroGrad()
	x.ZeroGrad()
	if !slices.Equal(x.Grad().Data(), []float32{0, 0}) {
		t.Fatalf("grad after ZeroGrad %v, want [0 0]", x.Grad().Data())
	}
}

func TestZeroGradThenBackwardOverwrites(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	x, v := Param(randT(rng, 4, 3)), Const(randT(rng, 4, 5))
	w, b := Param(randT(rng, 3, 5)), Param(randT(rng, 5))
	loss := linearLoss(x, w, b, v)
	loss.Backward()
	want := map[string]*tensor.Tensor{"x": x.Grad().Clone(), "w": w.Grad().Clone(), "b": b.Grad().Clone()}

	// Linear overwrites w and b through leafGrad; x goes through
	// accumulate. Neither may add to the stale values.
	loss.Backward()
	for _, p := range []*Value{x, w, b} {
		p.ZeroGrad()
	}
	loss.Backward()
	assertClose(t, "x grad", x.Grad(), want["x"])
	assertClose(t, "w grad", w.Grad(), want["w"])
	assertClose(t, "b grad", b.Grad(), want["b"])
}

func TestConcurrentBackwardOnSeparateGraphs(t *testing.T) {
	// Backward calls on graphs that share no value may run at once; the
	// shared free lists must keep their gradients apart.
	rng := rand.New(rand.NewPCG(17, 18))
	xt, wt, bt, vt := randT(rng, 8, 6), randT(rng, 6, 4), randT(rng, 4), randT(rng, 8, 4)
	want := Param(wt.Clone())
	linearLoss(Param(xt.Clone()), want, Param(bt.Clone()), Const(vt)).Backward()

	const workers = 4
	got := make([]*Value, workers)
	done := make(chan struct{})
	for i := range got {
		got[i] = Param(wt.Clone())
		go func(w *Value) {
			defer func() { done <- struct{}{} }()
			for range 50 {
				w.ZeroGrad()
				linearLoss(Param(xt.Clone()), w, Param(bt.Clone()), Const(vt)).Backward()
			}
		}(got[i])
	}
	for range got {
		<-done
	}
	for i, w := range got {
		if !slices.Equal(w.Grad().Data(), want.Grad().Data()) {
			t.Errorf("worker %d weight grad %v, want %v", i, w.Grad().Data(), want.Grad().Data())
		}
	}
}

func TestEmptyBatchOverwritesZeroedGrad(t *testing.T) {
	// After ZeroGrad the next Backward overwrites the buffer; with an
	// empty batch SGEMM has nothing to sum, so it must still write zeros.
	rng := rand.New(rand.NewPCG(19, 20))
	w, b := Param(randT(rng, 3, 2)), Param(randT(rng, 2))
	SumAll(Linear(Const(randT(rng, 4, 3)), w, b)).Backward()
	w.ZeroGrad()
	b.ZeroGrad()
	SumAll(Linear(Const(tensor.Zeros(0, 3)), w, b)).Backward()
	for i, g := range w.Grad().Data() {
		if g != 0 {
			t.Errorf("weight grad[%d] = %v after an empty batch, want 0", i, g)
		}
	}
	for i, g := range b.Grad().Data() {
		if g != 0 {
			t.Errorf("bias grad[%d] = %v after an empty batch, want 0", i, g)
		}
	}
}

func TestMatMulLeafGradMatchesNonLeaf(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, tc := range []struct {
		name   string
		aShape []int
		bShape []int
	}{
		{"2D", []int{3, 4}, []int{4, 2}},
		{"batched", []int{2, 3, 4}, []int{2, 4, 2}},
		{"shared b", []int{2, 3, 4}, []int{4, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, bt := randT(rng, tc.aShape...), randT(rng, tc.bShape...)
			vt := randT(rng, append(append([]int(nil), tc.aShape[:len(tc.aShape)-1]...), tc.bShape[len(tc.bShape)-1])...)
			loss := func(a, b *Value) *Value { return SumAll(Mul(MatMul(a, b), Const(vt))) }

			a, b := Param(at.Clone()), Param(bt.Clone())
			l := loss(a, b)
			l.Backward()
			l.Backward()

			a2, b2 := Param(at.Clone()), Param(bt.Clone())
			l2 := loss(Reshape(a2, tc.aShape...), Reshape(b2, tc.bShape...))
			l2.Backward()
			l2.Backward()

			assertClose(t, "a grad", a.Grad(), a2.Grad())
			assertClose(t, "b grad", b.Grad(), b2.Grad())
		})
	}
}
