package attention

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

// TestSinusoidalPositionsByHand checks dim 4 and an odd dim 3. With dim 4
// the frequencies are 10000^(0/4) = 1 and 10000^(2/4) = 100, so position
// p is [sin p, cos p, sin(p/100), cos(p/100)]. With dim 3 the second pair
// has 10000^(2/3) ≈ 464.16 and only its sine.
func TestSinusoidalPositionsByHand(t *testing.T) {
	want := []float32{
		0, 1, 0, 1,
		float32(math.Sin(1)), float32(math.Cos(1)), float32(math.Sin(0.01)), float32(math.Cos(0.01)),
		float32(math.Sin(2)), float32(math.Cos(2)), float32(math.Sin(0.02)), float32(math.Cos(0.02)),
	}
	checkClose(t, "dim 4", SinusoidalPositions(3, 4), tensor.New([]int{3, 4}, want), 1e-7)

	odd := SinusoidalPositions(2, 3)
	wantOdd := tensor.New([]int{2, 3}, []float32{0, 1, 0, float32(math.Sin(1)), float32(math.Cos(1)), float32(math.Sin(1 / math.Pow(10000, 2.0/3)))})
	checkClose(t, "dim 3", odd, wantOdd, 1e-7)

	expectPanic(t, func() { SinusoidalPositions(0, 4) }, "attention.SinusoidalPositions", "seq 0")
	expectPanic(t, func() { SinusoidalPositions(4, -1) }, "attention.SinusoidalPositions", "dim -1")
}

func TestLearnedPositions(t *testing.T) {
	p := NewLearnedPositions(6, 4, rand.New(rand.NewPCG(1, 0)))
	x := autodiff.Const(randn(1, 2, 3, 4))
	out := p.Forward(x)
	want := tensor.Add(x.Data(), p.Table.Weight.Data().Slice(0, 0, 3))
	checkClose(t, "output", out.Data(), want, 0)

	// Every sample of the batch adds its gradient to the same rows; rows
	// past the sequence get none.
	autodiff.SumAll(out).Backward()
	g := p.Table.Weight.Grad()
	checkClose(t, "used rows", g.Slice(0, 0, 3), tensor.Full(2, 3, 4), 0)
	checkClose(t, "unused rows", g.Slice(0, 3, 6), tensor.Zeros(3, 4), 0)
	if ps := p.Params(); len(ps) != 1 || ps[0].Name != "table.weight" {
		t.Fatalf("params %v, want one named table.weight", ps)
	}

	expectPanic(t, func() { p.Forward(autodiff.Const(tensor.Zeros(1, 7, 4))) }, "attention.LearnedPositions", "[1 7 4]", "seq ≤ 6")
	expectPanic(t, func() { p.Forward(autodiff.Const(tensor.Zeros(1, 3, 5))) }, "attention.LearnedPositions", "[1 3 5]")
}
