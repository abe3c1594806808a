package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

func TestDenseShapesAndParams(t *testing.T) {
	d := NewDense(4, 3, denseRNG(1))
	if !slices.Equal(d.Weight.Shape(), []int{4, 3}) || !slices.Equal(d.Bias.Shape(), []int{3}) {
		t.Fatalf("weight %v, bias %v; want [4 3] and [3]", d.Weight.Shape(), d.Bias.Shape())
	}
	if d.In() != 4 || d.Out() != 3 {
		t.Errorf("In, Out = %d, %d; want 4, 3", d.In(), d.Out())
	}
	ps := d.Params()
	if len(ps) != 2 || ps[0].Name != "weight" || ps[1].Name != "bias" || ps[0].Value != d.Weight || ps[1].Value != d.Bias {
		t.Errorf("Params = %v, want weight then bias", ps)
	}
	if !d.Weight.RequiresGrad() || !d.Bias.RequiresGrad() {
		t.Error("weight and bias must require gradients")
	}
	if got := d.String(); got != "Dense(4→3)" {
		t.Errorf("String = %q", got)
	}
}

func TestDenseForwardKnown(t *testing.T) {
	// x = [1 2], W = [[1 0 -1] [2 1 0]], b = [0.5 0 -0.5]:
	// y = [1+4, 0+2, -1+0] + b = [5.5 2 -1.5].
	d := &Dense{
		Weight: autodiff.Param(tensor.New([]int{2, 3}, []float32{1, 0, -1, 2, 1, 0})),
		Bias:   autodiff.Param(tensor.FromSlice([]float32{0.5, 0, -0.5})),
	}
	y := d.Forward(autodiff.Const(tensor.New([]int{1, 2}, []float32{1, 2})))
	if !slices.Equal(y.Shape(), []int{1, 3}) {
		t.Fatalf("output shape %v, want [1 3]", y.Shape())
	}
	denseAssertClose(t, "y", y.Data().Data(), []float64{5.5, 2, -1.5}, 0)
}

func TestDenseLeadingAxes(t *testing.T) {
	// A [2, 3, 4] input is 6 rows of 4 features; each row must equal the
	// output of the same row fed alone.
	d := NewDense(4, 5, denseRNG(2))
	x := denseRand(3, -1, 1, 2, 3, 4)
	y := d.Forward(autodiff.Const(x))
	if !slices.Equal(y.Shape(), []int{2, 3, 5}) {
		t.Fatalf("output shape %v, want [2 3 5]", y.Shape())
	}
	rows := x.Reshape(6, 4)
	for r := range 6 {
		one := d.Forward(autodiff.Const(rows.Slice(0, r, r+1).Contiguous()))
		want := make([]float64, 5)
		for j, v := range one.Data().Data() {
			want[j] = float64(v)
		}
		denseAssertClose(t, "row", y.Data().Data()[r*5:(r+1)*5], want, 1e-6)
	}

	// A 1-D input is a single sample.
	v := d.Forward(autodiff.Const(denseRand(4, -1, 1, 4)))
	if !slices.Equal(v.Shape(), []int{5}) {
		t.Errorf("1-D input gives shape %v, want [5]", v.Shape())
	}
}

func TestDenseGradCheck(t *testing.T) {
	f := func(xs []*autodiff.Value) *autodiff.Value {
		d := &Dense{Weight: xs[1], Bias: xs[2]}
		return d.Forward(xs[0])
	}
	inputs := []*tensor.Tensor{denseRand(5, -1, 1, 3, 4), denseRand(6, -1, 1, 4, 5), denseRand(7, -1, 1, 5)}
	if err := autodiff.GradCheck(f, inputs, nil); err != nil {
		t.Error(err)
	}

	// Batched [2, 3, 4] input, without bias.
	noBias := func(xs []*autodiff.Value) *autodiff.Value {
		return (&Dense{Weight: xs[1]}).Forward(xs[0])
	}
	inputs = []*tensor.Tensor{denseRand(8, -1, 1, 2, 3, 4), denseRand(9, -1, 1, 4, 2)}
	if err := autodiff.GradCheck(noBias, inputs, nil); err != nil {
		t.Errorf("without bias: %v", err)
	}
}

func TestDenseDefaultInitMatchesTorch(t *testing.T) {
	// PyTorch's nn.Linear draws weight and bias uniform in ±1/√in.
	d := NewDense(64, 32, denseRNG(10))
	bound := 1 / math.Sqrt(64)
	// fill is the fraction of the bound that the extremes must reach. The
	// chance that all n uniform draws stay below it on one side is
	// ((1+fill)/2)ⁿ: about 1e-44 for the 2048 weights at 0.9, and 1e-3 for
	// the 32 biases at 0.6.
	for name, c := range map[string]struct {
		v    *autodiff.Value
		fill float64
	}{"weight": {d.Weight, 0.9}, "bias": {d.Bias, 0.6}} {
		v := c.v
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range v.Data().Data() {
			lo, hi = math.Min(lo, float64(x)), math.Max(hi, float64(x))
		}
		if lo < -bound || hi > bound {
			t.Errorf("%s range [%v, %v] exceeds ±%v", name, lo, hi, bound)
		}
		if hi < c.fill*bound || lo > -c.fill*bound {
			t.Errorf("%s range [%v, %v] does not fill ±%v", name, lo, hi, bound)
		}
	}
}

func TestDenseOptions(t *testing.T) {
	d := NewDense(10, 4, denseRNG(11), WithoutBias())
	if d.Bias != nil || len(d.Params()) != 1 {
		t.Errorf("WithoutBias: bias %v, params %v", d.Bias, d.Params())
	}
	if got := d.String(); got != "Dense(10→4, no bias)" {
		t.Errorf("String = %q", got)
	}

	z := NewDense(10, 4, denseRNG(11), WithWeightInit(Zeros), WithBiasInit(Zeros))
	for _, p := range z.Params() {
		for _, x := range p.Value.Data().Data() {
			if x != 0 {
				t.Fatalf("%s not zero with Zeros initializer: %v", p.Name, x)
			}
		}
	}

	// The same seed gives the same layer; another seed does not.
	a := NewDense(10, 4, denseRNG(12), WithWeightInit(HeNormal))
	b := NewDense(10, 4, denseRNG(12), WithWeightInit(HeNormal))
	c := NewDense(10, 4, denseRNG(13), WithWeightInit(HeNormal))
	if !slices.Equal(a.Weight.Data().Data(), b.Weight.Data().Data()) || !slices.Equal(a.Bias.Data().Data(), b.Bias.Data().Data()) {
		t.Error("same seed gave different layers")
	}
	if slices.Equal(a.Weight.Data().Data(), c.Weight.Data().Data()) {
		t.Error("different seeds gave the same weight")
	}
}

func TestDenseRejectsBadInput(t *testing.T) {
	denseExpectPanic(t, "zero in", func() { NewDense(0, 3, denseRNG(1)) }, "nn.NewDense", "0→3")
	denseExpectPanic(t, "negative out", func() { NewDense(3, -1, denseRNG(1)) }, "3→-1")
	denseExpectPanic(t, "nil rng", func() { NewDense(3, 2, nil) }, "nil *rand.Rand")
	denseExpectPanic(t, "nil init", func() { NewDense(3, 2, denseRNG(1), WithWeightInit(nil)) }, "nil Initializer")
	badShape := func(rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor {
		return tensor.Zeros(fanOut, fanIn)
	}
	denseExpectPanic(t, "init ignores shape", func() { NewDense(3, 2, denseRNG(1), WithWeightInit(badShape)) }, "weight of shape [2 3]", "want [3 2]")

	d := NewDense(3, 2, denseRNG(1))
	denseExpectPanic(t, "wrong features", func() { d.Forward(autodiff.Const(tensor.Zeros(5, 4))) }, "nn.Dense.Forward", "[5 4]", "[..., 3]")
	denseExpectPanic(t, "scalar input", func() { d.Forward(autodiff.Const(tensor.Scalar(1))) }, "nn.Dense.Forward")
}
