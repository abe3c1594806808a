package tensor

import (
	"math"
	"slices"
	"testing"
)

func TestSumToKnown(t *testing.T) {
	g := Arange(6).Reshape(2, 3) // [[0 1 2] [3 4 5]]
	checkData(t, SumTo(g, []int{3}), []int{3}, 3, 5, 7)
	checkData(t, SumTo(g, []int{1, 3}), []int{1, 3}, 3, 5, 7)
	checkData(t, SumTo(g, []int{2, 1}), []int{2, 1}, 3, 12)
	checkData(t, SumTo(g, []int{1, 1}), []int{1, 1}, 15)
	checkData(t, SumTo(g, []int{1}), []int{1}, 15)
	checkData(t, SumTo(g, nil), nil, 15)
	checkData(t, SumTo(g.T(), []int{3, 1}), []int{3, 1}, 3, 5, 7)

	same := SumTo(g, []int{2, 3})
	checkData(t, same, []int{2, 3}, 0, 1, 2, 3, 4, 5)
	same.Set(-1, 0, 0)
	if g.At(0, 0) != 0 {
		t.Error("SumTo to the same shape returned shared memory")
	}

	// [2,3,4] to [3,1]: sum over axes 0 and 2, a kept axis in the middle.
	x := Arange(24).Reshape(2, 3, 4)
	checkData(t, SumTo(x, []int{3, 1}), []int{3, 1}, 6+54, 22+70, 38+86)
	// [2,3,4] to [2,1,4]: sum over the middle axis only.
	checkData(t, SumTo(x, []int{2, 1, 4}), []int{2, 1, 4}, 12, 15, 18, 21, 48, 51, 54, 57)
	// Empty axis reduced: the sums have no terms.
	checkData(t, SumTo(Zeros(0, 3), []int{1, 3}), []int{1, 3}, 0, 0, 0)
}

// TestSumToInvertsBroadcast checks SumTo against its definition: the
// adjoint of broadcasting, so SumTo(g, s)[j] is the sum of g over every
// index that broadcasting maps to j.
func TestSumToInvertsBroadcast(t *testing.T) {
	rng := newRNG(2)
	cases := [][2][]int{
		{{4, 5}, {5}},
		{{4, 5}, {4, 1}},
		{{2, 3, 4, 5}, {3, 1, 5}},
		{{2, 3, 4, 5}, {1, 3, 4, 1}},
		{{2, 3, 4, 5}, {2, 1, 1, 5}},
		{{6, 1, 7}, {1, 1}},
		{{3, 4}, {3, 4}},
	}
	for _, c := range cases {
		g := randTensor(rng, c[0]...)
		want := Zeros(c[1]...)
		for _, idx := range indexes(c[0]) {
			j := broadcastIndex(idx, c[1])
			want.Set(want.At(j...)+g.At(idx...), j...)
		}
		got := SumTo(g, c[1])
		if !AllClose(got, want, 1e-5, 1e-5) {
			t.Errorf("SumTo(%v -> %v) = %v, want %v", c[0], c[1], got, want)
		}
	}
}

func TestSumToInvalid(t *testing.T) {
	expectPanic(t, func() { SumTo(Zeros(2, 3), []int{2}) }, "tensor.SumTo", "[2 3]", "[2]")
	expectPanic(t, func() { SumTo(Zeros(3), []int{2, 3}) }, "tensor.SumTo", "[3]", "[2 3]")
	expectPanic(t, func() { SumTo(Zeros(2, 1), []int{2, 3}) }, "tensor.SumTo")
	expectPanic(t, func() { SumTo(Zeros(2, 3), []int{-1, 3}) }, "tensor.SumTo")
}

func TestSumAxes(t *testing.T) {
	x := Arange(6).Reshape(2, 3)
	checkData(t, Sum(x, 0, false), []int{3}, 3, 5, 7)
	checkData(t, Sum(x, 1, false), []int{2}, 3, 12)
	checkData(t, Sum(x, -1, true), []int{2, 1}, 3, 12)
	checkData(t, Sum(x, 0, true), []int{1, 3}, 3, 5, 7)
	checkData(t, Sum(x.T(), 0, false), []int{2}, 3, 12)
	checkData(t, Sum(Zeros(0, 3), 0, false), []int{3}, 0, 0, 0)
	checkData(t, Sum(Zeros(3, 0), 1, false), []int{3}, 0, 0, 0)

	y := Arange(24).Reshape(2, 3, 4)
	checkData(t, Sum(y, 1, false), []int{2, 4}, 12, 15, 18, 21, 48, 51, 54, 57)

	expectPanic(t, func() { Sum(x, 2, false) }, "tensor.Sum", "axis 2", "[2 3]")
	expectPanic(t, func() { Sum(Scalar(1), 0, false) }, "tensor.Sum", "axis 0", "[]")
}

func TestSumPrecision(t *testing.T) {
	// 1 followed by 2^24 copies of 1 would stall a float32 accumulator
	// at 2^24; in float64 every term counts. Use a short row with a
	// large first term to check the same along a non-last axis.
	x := Full(1, 4097, 2)
	x.Set(1<<24, 0, 0)
	got := Sum(x, 0, false)
	if got.At(0) != 1<<24+4096 {
		t.Errorf("Sum along axis 0 = %v, want %v", got.At(0), 1<<24+4096)
	}

	// The same along the last axis, where each row goes to asm.Sum.
	row := x.T().Contiguous()
	if got := Sum(row, 1, false).At(0); got != 1<<24+4096 {
		t.Errorf("Sum along the last axis = %v, want %v", got, 1<<24+4096)
	}
	if got := SumAll(row.Slice(0, 0, 1)).Item(); got != 1<<24+4096 {
		t.Errorf("SumAll = %v, want %v", got, 1<<24+4096)
	}
}

func TestMean(t *testing.T) {
	x := Arange(6).Reshape(2, 3)
	checkData(t, Mean(x, 0, false), []int{3}, 1.5, 2.5, 3.5)
	checkData(t, Mean(x, 1, true), []int{2, 1}, 1, 4)
	checkData(t, MeanAll(x), nil, 2.5)
	y := Arange(24).Reshape(2, 3, 4)
	checkData(t, Mean(y, 1, false), []int{2, 4}, 4, 5, 6, 7, 16, 17, 18, 19)
	nan := float32(math.NaN())
	checkData(t, Mean(Zeros(0, 2), 0, false), []int{2}, nan, nan)
	checkData(t, MeanAll(Zeros(0)), nil, nan)
}

func TestAllReductions(t *testing.T) {
	x := Arange(6).Reshape(2, 3).T()
	checkData(t, SumAll(x), nil, 15)
	checkData(t, MaxAll(x), nil, 5)
	checkData(t, SumAll(Zeros(0, 4)), nil, 0)
	expectPanic(t, func() { MaxAll(Zeros(0, 4)) }, "tensor.MaxAll", "[0 4]")
}

func TestMaxWithNaN(t *testing.T) {
	nan := float32(math.NaN())
	x := fromValues([]int{2, 3}, 1, nan, 3, 4, -5, 2)
	checkData(t, Max(x, 1, false), []int{2}, nan, 4)
	checkData(t, Max(x, 0, false), []int{3}, 4, nan, 3)
	checkData(t, Max(x, 0, true), []int{1, 3}, 4, nan, 3)
	checkData(t, MaxAll(x), nil, nan)

	// NaN in the first row must survive later, larger rows.
	y := fromValues([]int{3, 2}, nan, 0, 1, 1, 9, 9)
	checkData(t, Max(y, 0, false), []int{2}, nan, 9)
	checkData(t, Max(Full(float32(math.Inf(-1)), 2, 2), 1, false), []int{2}, float32(math.Inf(-1)), float32(math.Inf(-1)))

	expectPanic(t, func() { Max(Zeros(2, 0), 1, false) }, "tensor.Max", "axis 1", "[2 0]")
	expectPanic(t, func() { Max(x, -3, false) }, "tensor.Max", "axis -3")
}

func TestMaxMatchesReference(t *testing.T) {
	rng := newRNG(3)
	for name, x := range layouts(rng, 3, 4, 5) {
		for axis := range 3 {
			got := Max(x, axis, false)
			for i, idx := range indexes(got.Shape()) {
				full := slices.Insert(slices.Clone(idx), axis, 0)
				want := float32(math.Inf(-1))
				for j := range x.Dim(axis) {
					full[axis] = j
					want = max(want, x.At(full...))
				}
				if got.data[i] != want {
					t.Fatalf("Max(%s, %d)%v = %v, want %v", name, axis, idx, got.data[i], want)
				}
			}
		}
	}
}

func TestArgMax(t *testing.T) {
	x := fromValues([]int{2, 4}, 1, 3, 3, 0, 7, 7, 7, 7)
	if got := ArgMax(x, 1); !slices.Equal(got, []int{1, 0}) {
		t.Errorf("ArgMax first of ties = %v, want [1 0]", got)
	}
	if got := ArgMax(x, 0); !slices.Equal(got, []int{1, 1, 1, 1}) {
		t.Errorf("ArgMax(axis 0) = %v, want [1 1 1 1]", got)
	}
	if got := ArgMax(x.T(), 0); !slices.Equal(got, []int{1, 0}) {
		t.Errorf("ArgMax of transposed view = %v, want [1 0]", got)
	}

	nan := float32(math.NaN())
	y := fromValues([]int{2, 3}, 1, nan, 5, nan, 9, nan)
	if got := ArgMax(y, 1); !slices.Equal(got, []int{1, 0}) {
		t.Errorf("ArgMax with NaN = %v, want the first NaN [1 0]", got)
	}

	z := Arange(24).Reshape(2, 3, 4)
	if got := ArgMax(Neg(z), 1); !slices.Equal(got, make([]int, 8)) {
		t.Errorf("ArgMax(axis 1) of decreasing values = %v, want all 0", got)
	}
	if got := ArgMax(z, -1); !slices.Equal(got, []int{3, 3, 3, 3, 3, 3}) {
		t.Errorf("ArgMax(axis -1) = %v", got)
	}
	expectPanic(t, func() { ArgMax(Zeros(3, 0), 1) }, "tensor.ArgMax", "[3 0]")
	expectPanic(t, func() { ArgMax(x, 2) }, "tensor.ArgMax", "axis 2")
}
