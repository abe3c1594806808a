package tensor

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// expectPanic runs fn and fails t unless it panics with a message that
// contains every one of want.
func expectPanic(t *testing.T, fn func(), want ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic; want one mentioning %q", want)
		}
		msg := fmt.Sprint(r)
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("panic %q does not mention %q", msg, w)
			}
		}
	}()
	fn()
}

// fromValues builds a tensor of the given shape from row-major values.
func fromValues(shape []int, values ...float32) *Tensor {
	return New(shape, slices.Clone(values))
}

// checkData fails t unless got has the given shape and exactly the given
// row-major values (NaN matching NaN).
func checkData(t *testing.T, got *Tensor, shape []int, want ...float32) {
	t.Helper()
	if !Equal(got, fromValues(shape, want...)) {
		t.Errorf("got %v, want %v", got, fromValues(shape, want...))
	}
}

// indexes returns every index of shape in row-major order.
func indexes(shape []int) [][]int {
	n := product(shape)
	out := make([][]int, 0, n)
	idx := make([]int, len(shape))
	for range n {
		out = append(out, slices.Clone(idx))
		for ax := len(shape) - 1; ax >= 0; ax-- {
			idx[ax]++
			if idx[ax] < shape[ax] {
				break
			}
			idx[ax] = 0
		}
	}
	return out
}

// broadcastIndex maps an index of the broadcast result to one of a tensor
// with the given shape.
func broadcastIndex(idx, shape []int) []int {
	lead := len(idx) - len(shape)
	out := make([]int, len(shape))
	for i := range shape {
		if shape[i] != 1 {
			out[i] = idx[lead+i]
		}
	}
	return out
}

// refBinary is the element-by-element definition of a broadcasting binary
// operation, read through At.
func refBinary(a, b *Tensor, f func(x, y float32) float32) *Tensor {
	shape, ok := BroadcastShapes(a.Shape(), b.Shape())
	if !ok {
		panic("refBinary: incompatible shapes")
	}
	out := Zeros(shape...)
	for i, idx := range indexes(shape) {
		out.data[i] = f(a.At(broadcastIndex(idx, a.Shape())...), b.At(broadcastIndex(idx, b.Shape())...))
	}
	return out
}

// randTensor returns a contiguous tensor of uniform values in [-2, 2).
func randTensor(rng *rand.Rand, shape ...int) *Tensor {
	return RandUniform(rng, -2, 2, shape...)
}

// layouts returns tensors of the given shape holding random values, in
// several memory layouts: contiguous, transposed view of contiguous data,
// a slice with an offset and gaps, and a broadcast view (where possible).
func layouts(rng *rand.Rand, shape ...int) map[string]*Tensor {
	out := map[string]*Tensor{"contiguous": randTensor(rng, shape...)}
	if n := len(shape); n >= 2 {
		// Build the transposed data so that swapping the last two axes
		// back gives a view of the requested shape.
		ts := slices.Clone(shape)
		ts[n-1], ts[n-2] = ts[n-2], ts[n-1]
		out["transposed"] = randTensor(rng, ts...).Transpose(-1, -2)
	}
	if n := len(shape); n >= 1 {
		big := slices.Clone(shape)
		big[n-1] += 3
		out["sliced"] = randTensor(rng, big...).Slice(-1, 2, 2+shape[n-1])
	}
	if n := len(shape); n >= 1 && shape[0] > 1 {
		one := slices.Clone(shape)
		one[0] = 1
		out["broadcast"] = randTensor(rng, one...).BroadcastTo(shape...)
	}
	return out
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }
