package tensor

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestConcat(t *testing.T) {
	a := Arange(6).Reshape(2, 3)
	b := AddScalar(Arange(3), 10).Reshape(1, 3)
	checkData(t, Concat(0, a, b), []int{3, 3}, 0, 1, 2, 3, 4, 5, 10, 11, 12)
	c := fromValues([]int{2, 1}, -1, -2)
	checkData(t, Concat(1, a, c), []int{2, 4}, 0, 1, 2, -1, 3, 4, 5, -2)
	checkData(t, Concat(-1, c, a.T().T()), []int{2, 4}, -1, 0, 1, 2, -2, 3, 4, 5)
	// A transposed operand is read in logical order.
	checkData(t, Concat(0, a.T(), Zeros(1, 2)), []int{4, 2}, 0, 3, 1, 4, 2, 5, 0, 0)
	checkData(t, Concat(0, Zeros(0, 3), a), []int{2, 3}, 0, 1, 2, 3, 4, 5)

	expectPanic(t, func() { Concat(0) }, "tensor.Concat")
	expectPanic(t, func() { Concat(0, a, Zeros(1, 2)) }, "tensor.Concat", "[1 2]", "[2 3]")
	expectPanic(t, func() { Concat(0, a, Zeros(3)) }, "tensor.Concat", "[3]")
	expectPanic(t, func() { Concat(2, a) }, "tensor.Concat", "axis 2")
	expectPanic(t, func() { Concat(0, Scalar(1)) }, "tensor.Concat", "0-d")
}

func TestStack(t *testing.T) {
	a := FromSlice([]float32{1, 2})
	b := FromSlice([]float32{3, 4})
	checkData(t, Stack(0, a, b), []int{2, 2}, 1, 2, 3, 4)
	checkData(t, Stack(1, a, b), []int{2, 2}, 1, 3, 2, 4)
	checkData(t, Stack(-1, a, b), []int{2, 2}, 1, 3, 2, 4)
	checkData(t, Stack(0, Scalar(1), Scalar(2)), []int{2}, 1, 2)
	m := Arange(4).Reshape(2, 2)
	checkData(t, Stack(1, m, m.T()), []int{2, 2, 2}, 0, 1, 0, 2, 2, 3, 1, 3)

	expectPanic(t, func() { Stack(0) }, "tensor.Stack")
	expectPanic(t, func() { Stack(0, a, Zeros(3)) }, "tensor.Stack", "[3]", "[2]")
	expectPanic(t, func() { Stack(2, a, b) }, "tensor.Stack", "axis 2")
	expectPanic(t, func() { Stack(-3, a, b) }, "tensor.Stack", "axis -3")
}

func TestArange(t *testing.T) {
	checkData(t, Arange(4), []int{4}, 0, 1, 2, 3)
	if Arange(0).Size() != 0 {
		t.Error("Arange(0) not empty")
	}
	expectPanic(t, func() { Arange(-1) }, "tensor.Arange", "-1")
}

func TestRandSameSeedSameBits(t *testing.T) {
	u1 := RandUniform(newRNG(42), -1, 1, 3, 5)
	u2 := RandUniform(newRNG(42), -1, 1, 3, 5)
	if !Equal(u1, u2) {
		t.Error("RandUniform with the same seed differs")
	}
	if Equal(u1, RandUniform(newRNG(43), -1, 1, 3, 5)) {
		t.Error("RandUniform ignores the seed")
	}
	n1 := RandNormal(newRNG(42), 0, 1, 7)
	n2 := RandNormal(newRNG(42), 0, 1, 7)
	if !Equal(n1, n2) {
		t.Error("RandNormal with the same seed differs")
	}
	if !slices.Equal(u1.Shape(), []int{3, 5}) || !slices.Equal(n1.Shape(), []int{7}) {
		t.Errorf("shapes %v and %v, want [3 5] and [7]", u1.Shape(), n1.Shape())
	}
}

// moments returns the mean and standard deviation of x's elements.
func moments(x *Tensor) (mean, std float64) {
	d := x.Data()
	for _, v := range d {
		mean += float64(v)
	}
	mean /= float64(len(d))
	for _, v := range d {
		std += (float64(v) - mean) * (float64(v) - mean)
	}
	return mean, math.Sqrt(std / float64(len(d)))
}

func TestRandDistributions(t *testing.T) {
	const n = 100000
	u := RandUniform(newRNG(1), 2, 6, n)
	for _, v := range u.Data() {
		if v < 2 || v >= 6 {
			t.Fatalf("RandUniform(2, 6) produced %v", v)
		}
	}
	// Uniform on [2,6): mean 4, std 4/sqrt(12). The standard error of
	// the mean is about 0.004, so 0.03 is a wide margin.
	if m, s := moments(u); math.Abs(m-4) > 0.03 || math.Abs(s-4/math.Sqrt(12)) > 0.03 {
		t.Errorf("RandUniform(2, 6): mean %.4f std %.4f, want 4 and %.4f", m, s, 4/math.Sqrt(12))
	}
	g := RandNormal(newRNG(1), -3, 0.5, n)
	if m, s := moments(g); math.Abs(m+3) > 0.01 || math.Abs(s-0.5) > 0.01 {
		t.Errorf("RandNormal(-3, 0.5): mean %.4f std %.4f", m, s)
	}
	checkData(t, RandUniform(newRNG(1), 1, 1, 2), []int{2}, 1, 1)
	checkData(t, RandNormal(newRNG(1), 5, 0, 2), []int{2}, 5, 5)
	// A range of width 2^-23 near 1 has few float32 values, so draws
	// round to hi often; every one must still be below hi.
	lo := float32(1)
	hi := math.Nextafter32(math.Nextafter32(lo, 2), 2)
	for _, v := range RandUniform(newRNG(3), lo, hi, 1000).Data() {
		if v < lo || v >= hi {
			t.Fatalf("RandUniform(%v, %v) produced %v", lo, hi, v)
		}
	}
}

func TestRandInvalid(t *testing.T) {
	expectPanic(t, func() { RandUniform(nil, 0, 1, 2) }, "tensor.RandUniform", "nil")
	expectPanic(t, func() { RandUniform(newRNG(1), 1, 0, 2) }, "tensor.RandUniform", "[1, 0)")
	expectPanic(t, func() { RandUniform(newRNG(1), 0, float32(math.Inf(1)), 2) }, "tensor.RandUniform")
	expectPanic(t, func() { RandUniform(newRNG(1), float32(math.NaN()), 1, 2) }, "tensor.RandUniform")
	expectPanic(t, func() { RandNormal(nil, 0, 1, 2) }, "tensor.RandNormal", "nil")
	expectPanic(t, func() { RandNormal(newRNG(1), 0, -1, 2) }, "tensor.RandNormal", "-1")
	expectPanic(t, func() { RandNormal(newRNG(1), float32(math.NaN()), 1, 2) }, "tensor.RandNormal")
	expectPanic(t, func() { RandNormal(newRNG(1), 0, 1, -2) }, "tensor.RandNormal", "[-2]")
	expectPanic(t, func() { RandUniform(newRNG(1), 0, 1, 3, -1) }, "tensor.RandUniform", "[3 -1]")
}

func TestString(t *testing.T) {
	cases := []struct {
		t    *Tensor
		want string
	}{
		{fromValues([]int{2, 2}, 1, 2, 3, 4), "tensor([[1 2] [3 4]], shape=[2 2])"},
		{Scalar(2.5), "tensor(2.5, shape=[])"},
		{FromSlice([]float32{0.1, -1e-8, float32(math.NaN()), float32(math.Inf(-1))}), "tensor([0.1 -1e-08 NaN -Inf], shape=[4])"},
		{Zeros(0, 3), "tensor([], shape=[0 3])"},
		{Zeros(2, 0), "tensor([[] []], shape=[2 0])"},
		{Arange(6).Reshape(2, 3).T(), "tensor([[0 3] [1 4] [2 5]], shape=[3 2])"},
		{Arange(7), "tensor([0 1 2 3 4 5 6], shape=[7])"},
		{Arange(1001), "tensor([0 1 2 ... 998 999 1000], shape=[1001])"},
		{nil, "tensor(nil)"},
	}
	for _, c := range cases {
		if got := c.t.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}

	big := Arange(2000).Reshape(2, 1000).String()
	if want := "tensor([[0 1 2 ... 997 998 999] [1000 1001 1002 ... 1997 1998 1999]], shape=[2 1000])"; big != want {
		t.Errorf("String() = %q, want %q", big, want)
	}
	if s := Arange(40*40).Reshape(40, 40).String(); strings.Count(s, "...") != 7 {
		t.Errorf("40×40 String elides %d times, want 7 (the outer axis and 6 printed rows): %s", strings.Count(s, "..."), s)
	}
}

func TestEqual(t *testing.T) {
	nan := float32(math.NaN())
	a := FromSlice([]float32{1, nan})
	if !Equal(a, FromSlice([]float32{1, nan})) {
		t.Error("Equal: NaN does not equal NaN")
	}
	if Equal(FromSlice([]float32{0}), FromSlice([]float32{float32(math.Copysign(0, -1))})) {
		t.Error("Equal: +0 equals -0 bitwise")
	}
	if Equal(Zeros(2, 3), Zeros(3, 2)) || Equal(Zeros(6), Zeros(2, 3)) {
		t.Error("Equal ignores shape")
	}
	m := Arange(6).Reshape(2, 3)
	if !Equal(m.T(), m.T().Contiguous()) {
		t.Error("Equal compares memory layout, not values")
	}
}

func TestAllClose(t *testing.T) {
	inf := float32(math.Inf(1))
	a := FromSlice([]float32{1, 100, inf})
	if !AllClose(a, FromSlice([]float32{1.0001, 100.01, inf}), 1e-3, 0) {
		t.Error("AllClose rejects values within rtol")
	}
	if AllClose(a, FromSlice([]float32{1.01, 100, inf}), 1e-3, 0) {
		t.Error("AllClose accepts a value outside rtol")
	}
	if !AllClose(FromSlice([]float32{0}), FromSlice([]float32{1e-9}), 0, 1e-8) {
		t.Error("AllClose rejects a value within atol")
	}
	if AllClose(FromSlice([]float32{inf}), FromSlice([]float32{-inf}), 1, 1) {
		t.Error("AllClose accepts opposite infinities")
	}
	if AllClose(FromSlice([]float32{inf}), FromSlice([]float32{1e30}), 1, 1) {
		t.Error("AllClose accepts infinity next to a finite value")
	}
	nan := float32(math.NaN())
	if AllClose(FromSlice([]float32{nan}), FromSlice([]float32{nan}), 1, 1) {
		t.Error("AllClose accepts NaN")
	}
	if AllClose(Zeros(2), Zeros(3), 1, 1) {
		t.Error("AllClose ignores shape")
	}
}

func TestInPlace(t *testing.T) {
	x := Arange(4).Reshape(2, 2)
	x.AddInPlace(Ones(2, 2))
	checkData(t, x, []int{2, 2}, 1, 2, 3, 4)
	x.AddInPlace(Arange(4).Reshape(2, 2).T())
	checkData(t, x, []int{2, 2}, 1, 4, 4, 7)
	x.AxpyInPlace(-1, Ones(2, 2))
	checkData(t, x, []int{2, 2}, 0, 3, 3, 6)
	x.ScaleInPlace(2)
	checkData(t, x, []int{2, 2}, 0, 6, 6, 12)

	// A source that overlaps the destination is read before it changes:
	// row 1 += row 0 then reading row 0's new values would be wrong.
	y := Arange(4)
	y.Slice(0, 1, 4).AxpyInPlace(1, y.Slice(0, 0, 3))
	checkData(t, y, []int{4}, 0, 1, 3, 5)
	z := Arange(3)
	z.AddInPlace(z)
	checkData(t, z, []int{3}, 0, 2, 4)

	row := Zeros(2, 3).Slice(0, 1, 2)
	row.Fill(7)
	checkData(t, row, []int{1, 3}, 7, 7, 7)

	expectPanic(t, func() { x.T().AddInPlace(x) }, "tensor.AddInPlace", "not contiguous")
	expectPanic(t, func() { x.AddInPlace(Ones(4)) }, "tensor.AddInPlace", "[2 2]", "[4]")
	expectPanic(t, func() { x.AxpyInPlace(1, Ones(2, 3)) }, "tensor.AxpyInPlace", "[2 3]")
	expectPanic(t, func() { x.T().ScaleInPlace(1) }, "tensor.ScaleInPlace")
	expectPanic(t, func() { x.T().Fill(1) }, "tensor.Fill")
}
