package tensor

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

func TestBroadcastShapes(t *testing.T) {
	cases := []struct {
		a, b, want []int
		ok         bool
	}{
		{[]int{2, 3}, []int{2, 3}, []int{2, 3}, true},
		{[]int{3}, []int{2, 3}, []int{2, 3}, true},
		{[]int{2, 1}, []int{1, 3}, []int{2, 3}, true},
		{[]int{4, 1, 5}, []int{3, 1}, []int{4, 3, 5}, true},
		{nil, []int{2, 3}, []int{2, 3}, true},
		{nil, nil, []int{}, true},
		{[]int{0, 3}, []int{1, 3}, []int{0, 3}, true},
		{[]int{0}, []int{1}, []int{0}, true},
		{[]int{3}, []int{4}, nil, false},
		{[]int{2, 3}, []int{3, 2}, nil, false},
		{[]int{0}, []int{2}, nil, false},
	}
	for _, c := range cases {
		got, ok := BroadcastShapes(c.a, c.b)
		if ok != c.ok || (ok && !slices.Equal(got, c.want)) {
			t.Errorf("BroadcastShapes(%v, %v) = %v, %v; want %v, %v", c.a, c.b, got, ok, c.want, c.ok)
		}
	}
}

func TestAddRankPromotion(t *testing.T) {
	a := fromValues([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	b := FromSlice([]float32{10, 20, 30})
	checkData(t, Add(a, b), []int{2, 3}, 11, 22, 33, 14, 25, 36)
	checkData(t, Add(b, a), []int{2, 3}, 11, 22, 33, 14, 25, 36)

	col := fromValues([]int{2, 1}, 100, 200)
	row := fromValues([]int{1, 3}, 1, 2, 3)
	checkData(t, Add(col, row), []int{2, 3}, 101, 102, 103, 201, 202, 203)

	// 0-d operands broadcast against anything.
	checkData(t, Mul(Scalar(2), a), []int{2, 3}, 2, 4, 6, 8, 10, 12)
	checkData(t, Add(Scalar(1), Scalar(2)), nil, 3)
}

func TestSubDivOperandOrder(t *testing.T) {
	a := fromValues([]int{2, 2}, 8, 4, 2, 1)
	b := FromSlice([]float32{2, 4})
	checkData(t, Sub(a, b), []int{2, 2}, 6, 0, 0, -3)
	checkData(t, Sub(b, a), []int{2, 2}, -6, 0, 0, 3)
	checkData(t, Div(a, b), []int{2, 2}, 4, 1, 1, 0.25)
	checkData(t, Div(b, a), []int{2, 2}, 0.25, 1, 1, 4)

	col := fromValues([]int{2, 1}, 8, 2)
	checkData(t, Sub(col, a), []int{2, 2}, 0, 4, 0, 1)
	checkData(t, Div(col, a), []int{2, 2}, 1, 2, 1, 2)
	checkData(t, Div(a, col), []int{2, 2}, 1, 0.5, 1, 0.5)
}

func TestScalarOps(t *testing.T) {
	a := FromSlice([]float32{1, 2, 4})
	checkData(t, AddScalar(a, 1), []int{3}, 2, 3, 5)
	checkData(t, SubScalar(a, 1), []int{3}, 0, 1, 3)
	checkData(t, ScalarSub(1, a), []int{3}, 0, -1, -3)
	checkData(t, MulScalar(a, 3), []int{3}, 3, 6, 12)
	checkData(t, DivScalar(a, 4), []int{3}, 0.25, 0.5, 1)
	checkData(t, ScalarDiv(4, a), []int{3}, 4, 2, 1)

	// A transposed view gives the same values as its contiguous copy.
	m := Arange(6).Reshape(2, 3).T()
	checkData(t, ScalarSub(10, m), []int{3, 2}, 10, 7, 9, 6, 8, 5)
	checkData(t, DivScalar(m, 2), []int{3, 2}, 0, 1.5, 0.5, 2, 1, 2.5)
	checkData(t, ScalarDiv(1, Zeros(1)), []int{1}, float32(math.Inf(1)))
}

func TestOperandsUnchanged(t *testing.T) {
	a := Arange(6).Reshape(2, 3)
	b := FromSlice([]float32{1, 1, 1})
	before := a.Clone()
	for _, f := range []func(a, b *Tensor) *Tensor{Add, Sub, Mul, Div, Maximum} {
		out := f(a, b)
		if !Equal(a, before) || !Equal(b, FromSlice([]float32{1, 1, 1})) {
			t.Fatal("binary op modified an operand")
		}
		if &out.data[0] == &a.data[0] {
			t.Fatal("binary op returned its operand's memory")
		}
	}
	out := Add(a, Zeros(2, 3))
	out.Set(-1, 0, 0)
	if a.At(0, 0) != 0 {
		t.Error("same-shape Add result shares memory with its operand")
	}
}

func TestBinaryIncompatibleShapes(t *testing.T) {
	expectPanic(t, func() { Add(Zeros(2, 3), Zeros(3, 2)) }, "tensor.Add", "[2 3]", "[3 2]")
	expectPanic(t, func() { Sub(Zeros(4), Zeros(3)) }, "tensor.Sub", "[4]", "[3]")
	expectPanic(t, func() { Mul(Zeros(2, 3), Zeros(2)) }, "tensor.Mul", "[2 3]", "[2]")
	expectPanic(t, func() { Div(Zeros(2, 3), Zeros(2)) }, "tensor.Div")
	expectPanic(t, func() { Maximum(Zeros(2, 3), Zeros(2)) }, "tensor.Maximum")
}

func TestBinaryEmpty(t *testing.T) {
	got := Add(Zeros(0, 3), Ones(3))
	if !slices.Equal(got.Shape(), []int{0, 3}) || got.Size() != 0 {
		t.Errorf("Add of [0 3] and [3]: shape %v", got.Shape())
	}
}

func TestMaximum(t *testing.T) {
	nan := float32(math.NaN())
	a := FromSlice([]float32{1, 5, nan, 2, 0, float32(math.Inf(-1))})
	b := FromSlice([]float32{3, 4, 1, nan, float32(math.Copysign(0, -1)), -7})
	got := Maximum(a, b)
	checkData(t, got, []int{6}, 3, 5, nan, nan, 0, -7)
	if math.Signbit(float64(got.At(4))) || math.Signbit(float64(Maximum(b, a).At(4))) {
		t.Error("maximum of +0 and -0 is -0, want +0")
	}
	checkData(t, Maximum(fromValues([]int{2, 1}, 0, 10), FromSlice([]float32{-1, 5, 20})), []int{2, 3}, 0, 5, 20, 10, 10, 20)
}

// TestBinaryLayouts checks every op against the element-by-element
// definition for operand pairs in every layout, over shapes that exercise
// the vector, scalar and per-element paths of the broadcasting driver.
func TestBinaryLayouts(t *testing.T) {
	ops := []struct {
		name string
		f    func(a, b *Tensor) *Tensor
		ref  func(x, y float32) float32
	}{
		{"Add", Add, func(x, y float32) float32 { return x + y }},
		{"Sub", Sub, func(x, y float32) float32 { return x - y }},
		{"Mul", Mul, func(x, y float32) float32 { return x * y }},
		{"Div", Div, func(x, y float32) float32 { return x / y }},
		{"Maximum", Maximum, maximum},
	}
	pairs := [][2][]int{
		{{4, 9}, {4, 9}},
		{{4, 9}, {9}},
		{{9}, {4, 9}},
		{{4, 9}, {4, 1}},
		{{4, 1}, {4, 9}},
		{{5, 1}, {1, 11}},
		{{3, 4, 10}, {4, 1}},
		{{3, 1, 10}, {1, 4, 10}},
		{{2, 3, 4, 5}, {3, 1, 5}},
		{{7, 3}, {7, 3}},
		{{2, 20}, {1}},
		{{1}, {2, 20}},
	}
	rng := newRNG(1)
	for _, p := range pairs {
		as, bs := layouts(rng, p[0]...), layouts(rng, p[1]...)
		for an, a := range as {
			for bn, b := range bs {
				for _, op := range ops {
					got := op.f(a, b)
					want := refBinary(a, b, op.ref)
					if !Equal(got, want) {
						t.Errorf("%s(%v %s, %v %s) = %v, want %v", op.name, p[0], an, p[1], bn, got, want)
					}
					if !got.IsContiguous() {
						t.Errorf("%s(%v %s, %v %s) is not contiguous", op.name, p[0], an, p[1], bn)
					}
				}
			}
		}
	}
}

func TestBinaryBothBroadcast(t *testing.T) {
	// Both operands constant over the inner block: the driver fills.
	a := FromSlice([]float32{1, 2}).Reshape(2, 1).BroadcastTo(2, 16)
	b := Scalar(3).BroadcastTo(2, 16)
	got := Sub(a, b)
	for _, idx := range indexes(got.Shape()) {
		if want := a.At(idx...) - 3; got.At(idx...) != want {
			t.Fatalf("Sub at %v = %v, want %v", idx, got.At(idx...), want)
		}
	}
}

func ExampleAdd() {
	x := New([]int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	bias := FromSlice([]float32{10, 20, 30})
	fmt.Println(Add(x, bias))
	// Output: tensor([[11 22 33] [14 25 36]], shape=[2 3])
}
