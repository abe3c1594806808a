package tensor

import (
	"math"
	"testing"
)

func TestSoftmaxLargeLogits(t *testing.T) {
	x := fromValues([]int{3, 2}, 1000, -1000, -1000, 1000, 1000, 1000)
	checkData(t, Softmax(x, -1), []int{3, 2}, 1, 0, 0, 1, 0.5, 0.5)
	checkData(t, LogSoftmax(x, -1), []int{3, 2}, 0, -2000, -2000, 0, -float32(math.Ln2), -float32(math.Ln2))

	// Along axis 0 of the transpose: the same numbers, laid out by column.
	checkData(t, Softmax(x.T(), 0), []int{2, 3}, 1, 0, 0.5, 0, 1, 0.5)
	checkData(t, LogSoftmax(x.T(), 0), []int{2, 3}, 0, -2000, -float32(math.Ln2), -2000, 0, -float32(math.Ln2))
}

func TestSoftmaxKnown(t *testing.T) {
	// softmax([0, ln 3]) = [1/4, 3/4].
	x := FromSlice([]float32{0, float32(math.Log(3))})
	got := Softmax(x, 0)
	if !AllClose(got, FromSlice([]float32{0.25, 0.75}), 1e-6, 0) {
		t.Errorf("Softmax([0 ln3]) = %v, want [0.25 0.75]", got)
	}
	lg := LogSoftmax(x, 0)
	want := FromSlice([]float32{float32(math.Log(0.25)), float32(math.Log(0.75))})
	if !AllClose(lg, want, 1e-6, 0) {
		t.Errorf("LogSoftmax([0 ln3]) = %v, want %v", lg, want)
	}
}

// TestSoftmaxAxes checks every axis of a 3-D tensor against a float64
// reference, and that LogSoftmax agrees with the log of Softmax.
func TestSoftmaxAxes(t *testing.T) {
	rng := newRNG(6)
	x := MulScalar(randTensor(rng, 3, 4, 5), 10)
	for axis := range 3 {
		got := Softmax(x, axis)
		lg := LogSoftmax(x, axis)
		for _, idx := range indexes(x.Shape()) {
			m := math.Inf(-1)
			j := append([]int(nil), idx...)
			for k := range x.Dim(axis) {
				j[axis] = k
				m = math.Max(m, float64(x.At(j...)))
			}
			var s float64
			for k := range x.Dim(axis) {
				j[axis] = k
				s += math.Exp(float64(x.At(j...)) - m)
			}
			v := float64(x.At(idx...))
			want := math.Exp(v-m) / s
			wantLog := v - m - math.Log(s)
			if math.Abs(float64(got.At(idx...))-want) > 1e-6 {
				t.Fatalf("Softmax(axis %d)%v = %v, want %v", axis, idx, got.At(idx...), want)
			}
			if math.Abs(float64(lg.At(idx...))-wantLog) > 1e-5*math.Max(1, math.Abs(wantLog)) {
				t.Fatalf("LogSoftmax(axis %d)%v = %v, want %v", axis, idx, lg.At(idx...), wantLog)
			}
		}
	}
}

func TestSoftmaxNaNAndErrors(t *testing.T) {
	nan := float32(math.NaN())
	x := fromValues([]int{2, 2}, 1, nan, 1, 2)
	got := Softmax(x, 1)
	if v := got.At(0, 0); v == v {
		t.Errorf("Softmax of a row with NaN gave %v, want NaN", v)
	}
	if v := got.At(1, 1); v != v {
		t.Error("NaN leaked into another row")
	}
	if got := Softmax(Zeros(2, 0), 1); got.Size() != 0 {
		t.Errorf("Softmax of [2 0] has %d elements", got.Size())
	}
	if got := LogSoftmax(Zeros(2, 0), 1); got.Size() != 0 {
		t.Errorf("LogSoftmax of [2 0] has %d elements", got.Size())
	}
	expectPanic(t, func() { Softmax(Zeros(2, 3), 2) }, "tensor.Softmax", "axis 2", "[2 3]")
	expectPanic(t, func() { LogSoftmax(Scalar(1), 0) }, "tensor.LogSoftmax", "[]")
}
