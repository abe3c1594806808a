package nn_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/tensor"
)

func TestDropout2DDropsWholeChannels(t *testing.T) {
	const n, c, hw = 50, 40, 6
	d := nn.NewDropout2D(0.25, rand.New(rand.NewPCG(1, 2)))
	x := autodiff.Param(tensor.Ones(n, c, 2, 3))
	y := d.Forward(x)
	yd := y.Data().Data()
	dropped := 0
	for p := range n * c {
		plane := yd[p*hw : (p+1)*hw]
		switch plane[0] {
		case 0:
			dropped++
		case float32(1 / 0.75):
		default:
			t.Fatalf("plane %d starts with %v, want 0 or %v", p, plane[0], 1/0.75)
		}
		for _, v := range plane {
			if v != plane[0] {
				t.Fatalf("plane %d is not uniform: %v", p, plane)
			}
		}
	}
	// 2000 planes at p = 0.25: the dropped count has standard deviation
	// about 19, so 400..600 is over five deviations wide.
	if dropped < 400 || dropped > 600 {
		t.Errorf("dropped %d of %d planes, want about 500", dropped, n*c)
	}

	g := convRandTensor(3, n, c, 2, 3)
	y.BackwardWith(g)
	gd, dx := g.Data(), x.Grad().Data()
	for i := range dx {
		if want := gd[i] * yd[i]; dx[i] != want {
			t.Fatalf("dx[%d] = %v, want %v (gradient through the same mask)", i, dx[i], want)
		}
	}
}

func TestDropout2DEvaluationAndSeed(t *testing.T) {
	x := autodiff.Const(convRandTensor(1, 4, 8, 3, 3))
	d := nn.NewDropout2D(0.5, rand.New(rand.NewPCG(7, 7)))
	d.SetTraining(false)
	if y := d.Forward(x); y != x {
		t.Error("evaluation mode did not return its input")
	}
	if nn.NewDropout2D(0, rand.New(rand.NewPCG(1, 1))).Forward(x) != x {
		t.Error("p = 0 did not return its input")
	}

	a := nn.NewDropout2D(0.5, rand.New(rand.NewPCG(7, 7))).Forward(x).Data().Data()
	b := nn.NewDropout2D(0.5, rand.New(rand.NewPCG(7, 7))).Forward(x).Data().Data()
	if !slices.Equal(a, b) {
		t.Error("the same seed gave different masks")
	}
	if got := d.String(); got != "Dropout2D(p=0.5)" {
		t.Errorf("String() = %q", got)
	}
	if d.P() != 0.5 || d.Training() {
		t.Errorf("P() = %v and Training() = %v, want 0.5 and false", d.P(), d.Training())
	}
}

func TestChannelMaskGradCheck(t *testing.T) {
	mask := []float32{0, 2, 2, 0, 2, 2}
	f := func(xs []*autodiff.Value) *autodiff.Value { return nn.ChannelMask(xs[0], mask) }
	if err := autodiff.GradCheck(f, []*tensor.Tensor{convRandTensor(1, 2, 3, 2, 2)}, nil); err != nil {
		t.Fatal(err)
	}
	// A dropped plane still shows a NaN, as multiplying by zero does.
	x := tensor.Ones(1, 2, 1, 1)
	x.Set(float32(math.NaN()), 0, 0, 0, 0)
	if y := nn.ChannelMask(autodiff.Const(x), []float32{0, 1}).Data(); !math.IsNaN(float64(y.At(0, 0, 0, 0))) {
		t.Error("NaN times a zero mask did not stay NaN")
	}
}

func TestDropout2DBadInputPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	cases := []struct {
		name, want string
		fn         func()
	}{
		{"p = 1", "outside [0, 1)", func() { nn.NewDropout2D(1, rng) }},
		{"negative p", "outside [0, 1)", func() { nn.NewDropout2D(-0.1, rng) }},
		{"NaN p", "outside [0, 1)", func() { nn.NewDropout2D(math.NaN(), rng) }},
		{"nil rng", "nil *rand.Rand", func() { nn.NewDropout2D(0.5, nil) }},
		{"2-D input", "input shape [4 3]", func() { nn.NewDropout2D(0.5, rng).Forward(autodiff.Const(tensor.Zeros(4, 3))) }},
		{"mask length", "mask of 3 elements", func() { nn.ChannelMask(autodiff.Const(tensor.Zeros(2, 2, 2)), []float32{1, 1, 1}) }},
	}
	for _, tc := range cases {
		if msg := convPanicMessage(tc.fn); !strings.Contains(msg, tc.want) {
			t.Errorf("%s: panic %q, want one containing %q", tc.name, msg, tc.want)
		}
	}
}
