package tensor

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// naiveMatMul multiplies the last two axes of a [.., m, k] and b [.., k, n]
// with a float64 triple loop, reading through At. A 2-D operand next to a
// 3-D one is shared by every batch.
func naiveMatMul(a, b *Tensor) *Tensor {
	batch := batchSize(a)
	if batch == 1 {
		batch = batchSize(b)
	}
	m, k, n := a.Dim(-2), a.Dim(-1), b.Dim(-1)
	at := func(t *Tensor, i, r, c int) float32 {
		if t.Dims() == 2 {
			return t.At(r, c)
		}
		if t.Dim(0) == 1 {
			i = 0
		}
		return t.At(i, r, c)
	}
	out := Zeros(batch, m, n)
	for bi := range batch {
		for i := range m {
			for j := range n {
				var s float64
				for p := range k {
					s += float64(at(a, bi, i, p)) * float64(at(b, bi, p, j))
				}
				out.Set(float32(s), bi, i, j)
			}
		}
	}
	if a.Dims() == 2 && b.Dims() == 2 {
		return out.Reshape(m, n)
	}
	return out
}

func TestMatMulKnown(t *testing.T) {
	a := fromValues([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	b := fromValues([]int{3, 2}, 7, 8, 9, 10, 11, 12)
	checkData(t, MatMul(a, b), []int{2, 2}, 58, 64, 139, 154)
	// a.T() is [3,2]: [[1 4] [2 5] [3 6]] x [[1 2] [3 4]].
	checkData(t, MatMul(a.T(), fromValues([]int{2, 2}, 1, 2, 3, 4)), []int{3, 2}, 13, 18, 17, 24, 21, 30)
	checkData(t, MatMulT(a, a, false, true), []int{2, 2}, 14, 32, 32, 77)
	checkData(t, MatMulT(a, a, true, false), []int{3, 3}, 17, 22, 27, 22, 29, 36, 27, 36, 45)
}

// TestMatMulLayouts checks 2-D and 3-D products against the naive loop with
// operands in every layout: contiguous, transposed views passed to Sgemm as
// flags, sliced views with a leading dimension, and broadcast views that
// must be copied.
func TestMatMulLayouts(t *testing.T) {
	rng := newRNG(4)
	cases := [][2][]int{
		{{5, 7}, {7, 3}},
		{{1, 7}, {7, 1}},
		{{6, 1}, {1, 4}},
		{{3, 5, 7}, {3, 7, 4}},
		{{3, 5, 7}, {7, 4}},
		{{5, 7}, {3, 7, 4}},
		{{1, 5, 7}, {3, 7, 4}},
		{{3, 5, 7}, {1, 7, 4}},
		{{4, 33, 17}, {17, 9}},
	}
	for _, c := range cases {
		for an, a := range layouts(rng, c[0]...) {
			for bn, b := range layouts(rng, c[1]...) {
				got := MatMul(a, b)
				want := naiveMatMul(a, b)
				if !AllClose(got, want, 1e-5, 1e-5) {
					t.Errorf("MatMul(%v %s, %v %s) = %v, want %v", c[0], an, c[1], bn, got, want)
				}
			}
		}
	}
}

func TestMatMulTLayouts(t *testing.T) {
	rng := newRNG(5)
	for _, batch := range []int{0, 3} {
		shape := func(r, c int) []int {
			if batch == 0 {
				return []int{r, c}
			}
			return []int{batch, r, c}
		}
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				as, bs := shape(5, 6), shape(6, 4)
				if ta {
					as = shape(6, 5)
				}
				if tb {
					bs = shape(4, 6)
				}
				for an, a := range layouts(rng, as...) {
					for bn, b := range layouts(rng, bs...) {
						opA, opB := a, b
						if ta {
							opA = a.Transpose(-1, -2)
						}
						if tb {
							opB = b.Transpose(-1, -2)
						}
						got := MatMulT(a, b, ta, tb)
						want := naiveMatMul(opA, opB)
						if !AllClose(got, want, 1e-5, 1e-5) {
							t.Errorf("MatMulT(%v %s, %v %s, %v, %v) = %v, want %v", as, an, bs, bn, ta, tb, got, want)
						}
					}
				}
			}
		}
	}
}

func TestMatMulEmpty(t *testing.T) {
	checkData(t, MatMul(Zeros(2, 0), Zeros(0, 3)), []int{2, 3}, 0, 0, 0, 0, 0, 0)
	if got := MatMul(Zeros(0, 4), Zeros(4, 3)); !slices.Equal(got.Shape(), []int{0, 3}) {
		t.Errorf("MatMul [0 4]x[4 3] shape %v, want [0 3]", got.Shape())
	}
	if got := MatMul(Zeros(0, 2, 4), Zeros(4, 3)); !slices.Equal(got.Shape(), []int{0, 2, 3}) {
		t.Errorf("MatMul [0 2 4]x[4 3] shape %v, want [0 2 3]", got.Shape())
	}
	if got := MatMul(Zeros(1, 2, 4), Zeros(0, 4, 3)); !slices.Equal(got.Shape(), []int{0, 2, 3}) {
		t.Errorf("MatMul [1 2 4]x[0 4 3] shape %v, want [0 2 3]", got.Shape())
	}
}

func TestMatMulNaNPropagates(t *testing.T) {
	// A zero times NaN is NaN: no product may be skipped.
	a := Zeros(2, 2)
	b := fromValues([]int{2, 2}, float32(math.NaN()), 1, 1, 1)
	got := MatMul(a, b)
	if v := got.At(0, 0); v == v {
		t.Errorf("0 x NaN gave %v, want NaN", v)
	}
}

func TestMatMulShapeErrors(t *testing.T) {
	expectPanic(t, func() { MatMul(Zeros(2, 3), Zeros(4, 5)) }, "tensor.MatMul", "[2 3]", "[4 5]", "3", "4")
	expectPanic(t, func() { MatMul(Zeros(3), Zeros(3, 2)) }, "tensor.MatMul", "[3]", "2-D or 3-D")
	expectPanic(t, func() { MatMul(Zeros(1, 2, 3, 4), Zeros(4, 2)) }, "tensor.MatMul", "[1 2 3 4]")
	expectPanic(t, func() { MatMul(Zeros(2, 3, 4), Zeros(3, 4, 5)) }, "tensor.MatMul", "batch sizes 2 and 3")
	expectPanic(t, func() { MatMulT(Zeros(2, 3), Zeros(2, 3), false, false) }, "tensor.MatMulT", "[2 3]")
}

func TestMatrixLayout(t *testing.T) {
	cases := []struct {
		rows, cols, rs, cs int
		trans              bool
		ld                 int
		ok                 bool
	}{
		{3, 4, 4, 1, false, 4, true},
		{3, 4, 6, 1, false, 6, true},
		{3, 4, 1, 3, true, 3, true},
		{3, 4, 1, 5, true, 5, true},
		{1, 4, 0, 1, false, 4, true},
		{3, 1, 1, 0, false, 1, true},
		{3, 4, 0, 1, false, 0, false},
		{3, 4, 1, 0, false, 0, false},
		{3, 4, 8, 2, false, 0, false},
	}
	for _, c := range cases {
		trans, ld, ok := matrixLayout(c.rows, c.cols, c.rs, c.cs)
		if ok != c.ok || (ok && (trans != c.trans || ld != c.ld)) {
			t.Errorf("matrixLayout(%d, %d, %d, %d) = %v, %d, %v; want %v, %d, %v",
				c.rows, c.cols, c.rs, c.cs, trans, ld, ok, c.trans, c.ld, c.ok)
		}
	}
}

func ExampleMatMulT() {
	x := New([]int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	// x times its own transpose, without copying the transpose.
	fmt.Println(MatMulT(x, x, false, true))
	// Output: tensor([[14 32] [32 77]], shape=[2 2])
}

func TestAsMatrixAvoidsCopy(t *testing.T) {
	a := Arange(12).Reshape(3, 4)
	for name, c := range map[string]struct {
		view  *Tensor
		trans bool
		ld    int
	}{
		"contiguous": {a, false, 4},
		"transposed": {a.T(), true, 4},
		"column cut": {a.Slice(1, 1, 3), false, 4},
		"row cut":    {a.T().Slice(1, 1, 3), true, 4},
	} {
		m := asMatrix(c.view, true)
		if &m.data[0] != &a.data[0] {
			t.Errorf("%s: asMatrix copied the data", name)
		}
		if m.trans != c.trans || m.ld != c.ld || m.offset != c.view.Offset() {
			t.Errorf("%s: trans=%v ld=%d offset=%d, want %v, %d, %d", name, m.trans, m.ld, m.offset, c.trans, c.ld, c.view.Offset())
		}
	}
	if m := asMatrix(FromSlice([]float32{1, 2}).BroadcastTo(3, 2), true); &m.data[0] == &a.data[0] || m.ld != 2 || m.trans {
		t.Errorf("broadcast view: ld=%d trans=%v, want a row-major copy with ld 2", m.ld, m.trans)
	}
}
