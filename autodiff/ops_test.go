package autodiff

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/heed-ml/heed/tensor"
)

func randT(rng *rand.Rand, shape ...int) *tensor.Tensor {
	return tensor.RandUniform(rng, -1, 1, shape...)
}

// positive returns values in [0.5, 1.5], away from the poles of Log, Sqrt
// and division.
func positive(rng *rand.Rand, shape ...int) *tensor.Tensor {
	return tensor.RandUniform(rng, 0.5, 1.5, shape...)
}

// awayFromZero returns values with |x| in [0.2, 1], away from ReLU's kink.
func awayFromZero(rng *rand.Rand, shape ...int) *tensor.Tensor {
	t := tensor.RandUniform(rng, 0.2, 1, shape...)
	d := t.Data()
	for i := range d {
		if rng.IntN(2) == 0 {
			d[i] = -d[i]
		}
	}
	return t
}

// TestGradCheckEveryOp runs the gradient checker over every op of this
// package, including broadcast operands of each binary op.
func TestGradCheckEveryOp(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name   string
		f      func(x []*Value) *Value
		inputs []*tensor.Tensor
	}{
		{"Add", func(x []*Value) *Value { return Add(x[0], x[1]) }, []*tensor.Tensor{randT(rng, 2, 3), randT(rng, 2, 3)}},
		{"AddBroadcastRow", func(x []*Value) *Value { return Add(x[0], x[1]) }, []*tensor.Tensor{randT(rng, 4, 3), randT(rng, 3)}},
		{"AddBroadcastBoth", func(x []*Value) *Value { return Add(x[0], x[1]) }, []*tensor.Tensor{randT(rng, 2, 1, 3), randT(rng, 4, 1)}},
		{"Sub", func(x []*Value) *Value { return Sub(x[0], x[1]) }, []*tensor.Tensor{randT(rng, 3, 2), randT(rng, 1, 2)}},
		{"Mul", func(x []*Value) *Value { return Mul(x[0], x[1]) }, []*tensor.Tensor{randT(rng, 2, 3), randT(rng, 2, 1)}},
		{"Div", func(x []*Value) *Value { return Div(x[0], x[1]) }, []*tensor.Tensor{randT(rng, 2, 3), positive(rng, 3)}},
		{"AddScalar", func(x []*Value) *Value { return AddScalar(x[0], 1.5) }, []*tensor.Tensor{randT(rng, 5)}},
		{"SubScalar", func(x []*Value) *Value { return SubScalar(x[0], 1.5) }, []*tensor.Tensor{randT(rng, 5)}},
		{"ScalarSub", func(x []*Value) *Value { return ScalarSub(1.5, x[0]) }, []*tensor.Tensor{randT(rng, 5)}},
		{"MulScalar", func(x []*Value) *Value { return MulScalar(x[0], -2.5) }, []*tensor.Tensor{randT(rng, 5)}},
		{"DivScalar", func(x []*Value) *Value { return DivScalar(x[0], 4) }, []*tensor.Tensor{randT(rng, 5)}},
		{"ScalarDiv", func(x []*Value) *Value { return ScalarDiv(3, x[0]) }, []*tensor.Tensor{positive(rng, 5)}},
		{"Neg", func(x []*Value) *Value { return Neg(x[0]) }, []*tensor.Tensor{randT(rng, 4)}},
		{"Exp", func(x []*Value) *Value { return Exp(x[0]) }, []*tensor.Tensor{randT(rng, 2, 3)}},
		{"Log", func(x []*Value) *Value { return Log(x[0]) }, []*tensor.Tensor{positive(rng, 2, 3)}},
		{"Sqrt", func(x []*Value) *Value { return Sqrt(x[0]) }, []*tensor.Tensor{positive(rng, 2, 3)}},
		{"Tanh", func(x []*Value) *Value { return Tanh(x[0]) }, []*tensor.Tensor{randT(rng, 2, 3)}},
		{"Sigmoid", func(x []*Value) *Value { return Sigmoid(x[0]) }, []*tensor.Tensor{randT(rng, 2, 3)}},
		{"ReLU", func(x []*Value) *Value { return ReLU(x[0]) }, []*tensor.Tensor{awayFromZero(rng, 3, 4)}},
		{"GELU", func(x []*Value) *Value { return GELU(x[0]) }, []*tensor.Tensor{randT(rng, 3, 4)}},
		{"SumAxis0", func(x []*Value) *Value { return Sum(x[0], 0, false) }, []*tensor.Tensor{randT(rng, 3, 4)}},
		{"SumAxisLastKeep", func(x []*Value) *Value { return Sum(x[0], -1, true) }, []*tensor.Tensor{randT(rng, 2, 3, 4)}},
		{"SumAll", func(x []*Value) *Value { return SumAll(x[0]) }, []*tensor.Tensor{randT(rng, 2, 3)}},
		{"Mean", func(x []*Value) *Value { return Mean(x[0], 1, false) }, []*tensor.Tensor{randT(rng, 2, 3, 2)}},
		{"MeanAll", func(x []*Value) *Value { return MeanAll(x[0]) }, []*tensor.Tensor{randT(rng, 2, 3)}},
		{"Max", func(x []*Value) *Value { return Max(x[0], 1, false) }, []*tensor.Tensor{randT(rng, 3, 5)}},
		{"MaxMiddleAxis", func(x []*Value) *Value { return Max(x[0], 1, true) }, []*tensor.Tensor{randT(rng, 2, 4, 3)}},
		{"MatMul2D", func(x []*Value) *Value { return MatMul(x[0], x[1]) }, []*tensor.Tensor{randT(rng, 3, 4), randT(rng, 4, 2)}},
		{"MatMul3D", func(x []*Value) *Value { return MatMul(x[0], x[1]) }, []*tensor.Tensor{randT(rng, 2, 3, 4), randT(rng, 2, 4, 2)}},
		{"MatMul3Dx2D", func(x []*Value) *Value { return MatMul(x[0], x[1]) }, []*tensor.Tensor{randT(rng, 2, 3, 4), randT(rng, 4, 2)}},
		{"Softmax", func(x []*Value) *Value { return Softmax(x[0], -1) }, []*tensor.Tensor{randT(rng, 3, 4)}},
		{"SoftmaxAxis0", func(x []*Value) *Value { return Softmax(x[0], 0) }, []*tensor.Tensor{randT(rng, 3, 4)}},
		{"LogSoftmax", func(x []*Value) *Value { return LogSoftmax(x[0], 1) }, []*tensor.Tensor{randT(rng, 3, 4)}},
		{"Reshape", func(x []*Value) *Value { return Mul(Reshape(x[0], 3, 2), x[1]) }, []*tensor.Tensor{randT(rng, 2, 3), randT(rng, 3, 2)}},
		{"Transpose", func(x []*Value) *Value { return Mul(Transpose(x[0], 0, 1), x[1]) }, []*tensor.Tensor{randT(rng, 2, 3), randT(rng, 3, 2)}},
		{"Permute", func(x []*Value) *Value { return Mul(Permute(x[0], 2, 0, 1), x[1]) }, []*tensor.Tensor{randT(rng, 2, 3, 4), randT(rng, 4, 2, 3)}},
		{"Slice", func(x []*Value) *Value { return Slice(x[0], 1, 1, 3) }, []*tensor.Tensor{randT(rng, 2, 4)}},
		{"Concat", func(x []*Value) *Value { return Concat(1, x[0], x[1]) }, []*tensor.Tensor{randT(rng, 2, 3), randT(rng, 2, 1)}},
		{"Linear", func(x []*Value) *Value { return Linear(x[0], x[1], x[2]) }, []*tensor.Tensor{randT(rng, 4, 3), randT(rng, 3, 2), randT(rng, 2)}},
		{"LinearNoBias3D", func(x []*Value) *Value { return Linear(x[0], x[1], nil) }, []*tensor.Tensor{randT(rng, 2, 2, 3), randT(rng, 3, 5)}},
		{"SoftmaxCrossEntropy", func(x []*Value) *Value { return SoftmaxCrossEntropy(x[0], []int{0, 2, 1}) }, []*tensor.Tensor{randT(rng, 3, 4)}},
		{"BCEWithLogits", func(x []*Value) *Value {
			return BCEWithLogits(x[0], tensor.New([]int{2, 2}, []float32{0, 1, 0.3, 1}))
		}, []*tensor.Tensor{randT(rng, 2, 2)}},
		{"Composite", func(x []*Value) *Value {
			h := Tanh(Linear(x[0], x[1], x[2]))
			return MeanAll(Mul(h, h))
		}, []*tensor.Tensor{randT(rng, 3, 4), randT(rng, 4, 5), randT(rng, 5)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := GradCheck(c.f, c.inputs, nil); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestGradCheckCatchesWrongRule registers a square op whose backward rule
// omits the factor 2 and checks that GradCheck reports it.
func TestGradCheckCatchesWrongRule(t *testing.T) {
	wrong := NewOp("BadSquare", func(out *Value, g *tensor.Tensor) []*tensor.Tensor {
		return []*tensor.Tensor{tensor.Mul(g, out.inputs[0].data)} // should be 2·x·g
	})
	square := func(x []*Value) *Value {
		return Apply(wrong, tensor.Mul(x[0].data, x[0].data), nil, x[0])
	}
	x := tensor.FromSlice([]float32{0.5, -1, 2})
	err := GradCheck(square, []*tensor.Tensor{x}, nil)
	if err == nil {
		t.Fatal("GradCheck accepted a backward rule that is off by a factor of 2")
	}
	if !strings.Contains(err.Error(), "3 gradient element(s) disagree") {
		t.Errorf("error %q does not count the 3 wrong elements", err)
	}
}

// TestBroadcastGradientKnownAnswer works out the gradients of a broadcast
// add and multiply by hand.
func TestBroadcastGradientKnownAnswer(t *testing.T) {
	// a is [2,3], b is [3]; L = Σ (a + b)·a.
	a := Param(tensor.New([]int{2, 3}, []float32{1, 2, 3, 4, 5, 6}))
	b := Param(tensor.FromSlice([]float32{10, 20, 30}))
	loss := SumAll(Mul(Add(a, b), a))
	loss.Backward()

	// ∂L/∂a = 2a + b = [[12 24 36] [18 30 42]].
	wantA := []float32{12, 24, 36, 18, 30, 42}
	// ∂L/∂b = Σ over rows of a = [5 7 9].
	wantB := []float32{5, 7, 9}
	for i, w := range wantA {
		if got := a.Grad().Data()[i]; got != w {
			t.Errorf("a.grad[%d] = %v, want %v", i, got, w)
		}
	}
	for i, w := range wantB {
		if got := b.Grad().Data()[i]; got != w {
			t.Errorf("b.grad[%d] = %v, want %v", i, got, w)
		}
	}
	if got := b.Grad().Shape(); len(got) != 1 || got[0] != 3 {
		t.Errorf("b.grad shape %v, want [3]", got)
	}
}

// TestSecondBackwardAccumulates checks the documented semantics: a second
// Backward over the same graph adds the same gradient again, and ZeroGrad
// resets it.
func TestSecondBackwardAccumulates(t *testing.T) {
	x := Param(tensor.FromSlice([]float32{3}))
	// y = x·x + x shares x between two paths; dy/dx = 2x + 1 = 7.
	y := SumAll(Add(Mul(x, x), x))
	y.Backward()
	if got := x.Grad().Item(); got != 7 {
		t.Fatalf("first Backward: grad %v, want 7", got)
	}
	y.Backward()
	if got := x.Grad().Item(); got != 14 {
		t.Fatalf("second Backward: grad %v, want 14 (accumulated)", got)
	}
	x.ZeroGrad()
	if got := x.Grad().Item(); got != 0 {
		t.Fatalf("after ZeroGrad: grad %v, want 0", got)
	}
	y.Backward()
	if got := x.Grad().Item(); got != 7 {
		t.Fatalf("Backward after ZeroGrad: grad %v, want 7", got)
	}
}

func TestNoGradRecordsNothing(t *testing.T) {
	w := Param(tensor.FromSlice([]float32{1, 2}))
	var y *Value
	NoGrad(func() { y = Mul(w, w) })
	if y.RequiresGrad() || y.Op() != "" || y.Inputs() != nil {
		t.Fatalf("op under NoGrad recorded a graph: %v", y)
	}
	if !GradEnabled() {
		t.Fatal("GradEnabled is false after NoGrad returned")
	}
	z := Mul(w, w)
	if !z.RequiresGrad() || z.Op() != "Mul" {
		t.Fatalf("op outside NoGrad did not record: %v", z)
	}
}

func TestConstGetsNoGradient(t *testing.T) {
	c := Const(tensor.FromSlice([]float32{1, 2}))
	w := Param(tensor.FromSlice([]float32{3, 4}))
	SumAll(Mul(c, w)).Backward()
	if c.Grad() != nil {
		t.Errorf("constant received gradient %v", c.Grad())
	}
	if got := w.Grad().Data(); got[0] != 1 || got[1] != 2 {
		t.Errorf("w.grad = %v, want [1 2]", got)
	}
}

func TestBackwardNonScalarPanics(t *testing.T) {
	w := Param(tensor.FromSlice([]float32{1, 2}))
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "shape [2]") {
			t.Fatalf("panic %v, want a message naming shape [2]", r)
		}
	}()
	Mul(w, w).Backward()
}

// TestCrossEntropyExtremeLogits works the loss out by hand for logits of
// ±1000: for row [1000, -1000] with label 0, log Σ exp = 1000 exactly in
// float32, so the loss is 0; with label 1 it is 2000.
func TestCrossEntropyExtremeLogits(t *testing.T) {
	logits := Param(tensor.New([]int{2, 2}, []float32{1000, -1000, 1000, -1000}))
	loss := SoftmaxCrossEntropy(logits, []int{0, 1})
	if got := loss.Item(); got != 1000 {
		t.Fatalf("loss = %v, want (0 + 2000)/2 = 1000", got)
	}
	loss.Backward()
	// Gradient (softmax − onehot)/B: row 0 → [0 0], row 1 → [0.5 −0.5].
	want := []float32{0, 0, 0.5, -0.5}
	for i, w := range want {
		if got := logits.Grad().Data()[i]; got != w {
			t.Errorf("grad[%d] = %v, want %v", i, got, w)
		}
	}
}

// TestBCEWithLogitsExtreme: for x = 100, t = 1 the loss is log(1+e⁻¹⁰⁰),
// which rounds to 0; for x = −100, t = 1 it is 100 + log(1+e⁻¹⁰⁰) = 100.
func TestBCEWithLogitsExtreme(t *testing.T) {
	x := Param(tensor.FromSlice([]float32{100, -100}))
	loss := BCEWithLogits(x, tensor.FromSlice([]float32{1, 1}))
	if got := loss.Item(); got != 50 {
		t.Fatalf("loss = %v, want (0 + 100)/2 = 50", got)
	}
	loss.Backward()
	// (σ(x) − t)/N: σ(100) = 1 → 0; σ(−100) ≈ 3.7e-44 → −0.5.
	if g := x.Grad().Data(); g[0] != 0 || g[1] != -0.5 {
		t.Errorf("grad = %v, want [0 -0.5]", g)
	}
}

func TestLinearShapePanicNamesShapes(t *testing.T) {
	defer func() {
		r := recover()
		msg, _ := r.(string)
		if !strings.Contains(msg, "autodiff.Linear") || !strings.Contains(msg, "[2 3]") || !strings.Contains(msg, "[4 5]") {
			t.Fatalf("panic %q does not name the op and both shapes", msg)
		}
	}()
	Linear(Const(tensor.Zeros(2, 3)), Param(tensor.Zeros(4, 5)), nil)
}

func TestDeepGraphDoesNotOverflow(t *testing.T) {
	x := Param(tensor.FromSlice([]float32{1}))
	y := x
	for i := 0; i < 100000; i++ {
		y = AddScalar(y, 0)
	}
	SumAll(y).Backward()
	if got := x.Grad().Item(); got != 1 {
		t.Fatalf("grad through 100000 ops = %v, want 1", got)
	}
}
