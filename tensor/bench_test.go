package tensor

import (
	"testing"

	"github.com/heed-ml/heed/asm"
)

// Each benchmark reports the asm tier it ran on, because the tensor ops
// spend their time in the asm kernels.

func BenchmarkAddSameShape1M(b *testing.B) {
	rng := newRNG(1)
	x, y := randTensor(rng, 1<<20), randTensor(rng, 1<<20)
	b.SetBytes(3 * 4 << 20)
	b.Logf("asm tier %v", asm.CurrentTier())
	for b.Loop() {
		Add(x, y)
	}
}

func BenchmarkAddBias256x128(b *testing.B) {
	rng := newRNG(1)
	x, bias := randTensor(rng, 256, 128), randTensor(rng, 128)
	b.SetBytes(2 * 4 * 256 * 128)
	for b.Loop() {
		Add(x, bias)
	}
}

func BenchmarkSumToBias256x128(b *testing.B) {
	g := randTensor(newRNG(1), 256, 128)
	shape := []int{128}
	b.SetBytes(4 * 256 * 128)
	for b.Loop() {
		SumTo(g, shape)
	}
}

func benchmarkMatMul(b *testing.B, transB bool) {
	rng := newRNG(1)
	const m, k, n = 256, 784, 128
	x := randTensor(rng, m, k)
	w := randTensor(rng, k, n)
	if transB {
		w = randTensor(rng, n, k)
	}
	b.Logf("asm tier %v", asm.CurrentTier())
	for b.Loop() {
		MatMulT(x, w, false, transB)
	}
	b.ReportMetric(2*m*k*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkMatMul256x784x128(b *testing.B)       { benchmarkMatMul(b, false) }
func BenchmarkMatMulTransB256x784x128(b *testing.B) { benchmarkMatMul(b, true) }

func BenchmarkSoftmax256x10(b *testing.B) {
	x := randTensor(newRNG(1), 256, 10)
	b.SetBytes(2 * 4 * 256 * 10)
	for b.Loop() {
		Softmax(x, -1)
	}
}

func BenchmarkLogSoftmax256x10(b *testing.B) {
	x := randTensor(newRNG(1), 256, 10)
	b.SetBytes(2 * 4 * 256 * 10)
	for b.Loop() {
		LogSoftmax(x, -1)
	}
}

func BenchmarkSumLastAxis256x128(b *testing.B) {
	x := randTensor(newRNG(1), 256, 128)
	b.SetBytes(4 * 256 * 128)
	for b.Loop() {
		Sum(x, -1, false)
	}
}
