// Package bench measures Heed's kernels one by one against the machine's
// limits. SGEMM is reported in GFLOP/s and as a share of the FMA peak, and
// beside gonum's pure-Go Sgemm timed in the same run. Elementwise kernels
// and reductions are reported in GB/s and as a share of the copy
// bandwidth. Peak and bandwidth samples are interleaved with the kernel's. The heed command's "bench"
// subcommand prints the report as a table or JSON, and the package's Go
// benchmarks give the same measurements in the format benchstat reads.
//
// The machines these numbers come from are often shared, so every figure
// is the median of several samples, and ratios measured side by side are
// more trustworthy than absolute rates.
package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"time"

	"github.com/heed-ml/heed/asm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Shape is an SGEMM problem: C (M×N) = A (M×K) · B (K×N), all row-major
// and untransposed.
type Shape struct {
	M, K, N int
}

// String formats the shape as M×K×N, the order the reference programs use.
func (s Shape) String() string { return fmt.Sprintf("%d×%d×%d", s.M, s.K, s.N) }

// Flops returns the floating-point operations of one product, 2·M·N·K.
func (s Shape) Flops() float64 { return 2 * float64(s.M) * float64(s.N) * float64(s.K) }

// NNShapes are the products of small networks: dense layers of a
// 784-128-10 MLP at batch 32 to 256, attention-sized products and an
// im2col convolution (28800 output pixels, 3×3×3 patches, 32 filters).
var NNShapes = []Shape{
	{32, 784, 128}, {128, 784, 128}, {256, 784, 128}, {32, 128, 10},
	{1024, 1024, 64}, {4096, 64, 64}, {28800, 27, 32},
}

// SquareShapes are the square products from 64 to 2048.
var SquareShapes = []Shape{
	{64, 64, 64}, {128, 128, 128}, {256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024}, {2048, 2048, 2048},
}

// Timer times a function by the median of several samples, each long
// enough to dwarf the clock's resolution.
type Timer struct {
	// MinSample is the least wall time of one sample.
	MinSample time.Duration
	// Samples is the number of timed samples; the median is reported.
	Samples int
}

// DefaultTimer takes the median of 7 samples of at least 50 ms each.
var DefaultTimer = Timer{MinSample: 50 * time.Millisecond, Samples: 7}

// PerOp returns the median time of one call of f. It calls f once
// untimed, calibrates the number of calls per sample, then times Samples
// samples.
func (t Timer) PerOp(f func()) time.Duration {
	return median(t.Times(f))
}

// Times calibrates f as PerOp does and returns the time of one call in
// each sample.
func (t Timer) Times(f func()) []time.Duration {
	n := t.calibrate(f)
	samples := make([]time.Duration, max(t.Samples, 1))
	for s := range samples {
		samples[s] = sample(f, n)
	}
	return samples
}

// calibrate calls f once untimed, then returns how many calls fill one
// sample of MinSample.
func (t Timer) calibrate(f func()) int {
	f()
	n := 1
	for {
		d := sample(f, n) * time.Duration(n)
		if d >= t.MinSample/4 || n >= 1<<30 {
			if d < t.MinSample && d > 0 {
				n = max(1, int(float64(n)*float64(t.MinSample)/float64(d)))
			}
			return n
		}
		n *= 4
	}
}

// Pair times f and g with their samples interleaved, so a burst of load
// from other processes on a shared machine slows both alike. It returns
// the time of one call of each, sample by sample.
func (t Timer) Pair(f, g func()) (fs, gs []time.Duration) {
	nf, ng := t.calibrate(f), t.calibrate(g)
	fs = make([]time.Duration, max(t.Samples, 1))
	gs = make([]time.Duration, len(fs))
	for s := range fs {
		fs[s] = sample(f, nf)
		gs[s] = sample(g, ng)
	}
	return fs, gs
}

// MedianRatio returns the median over samples of num[i]/den[i].
func MedianRatio(num, den []float64) float64 {
	r := make([]float64, len(num))
	for i := range num {
		r[i] = num[i] / den[i]
	}
	sort.Float64s(r)
	return r[len(r)/2]
}

// Rates converts times per call into rates of work units per second,
// divided by scale (1e9 for GFLOP/s or GB/s).
func Rates(d []time.Duration, work, scale float64) []float64 {
	r := make([]float64, len(d))
	for i, v := range d {
		r[i] = work / v.Seconds() / scale
	}
	return r
}

// Median returns the median of x.
func Median(x []float64) float64 {
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// Best returns the largest element of x: on a shared machine, the rate
// least disturbed by other processes.
func Best(x []float64) float64 {
	b := x[0]
	for _, v := range x[1:] {
		b = max(b, v)
	}
	return b
}

func sample(f func(), n int) time.Duration {
	start := time.Now()
	for i := 0; i < n; i++ {
		f()
	}
	return time.Since(start) / time.Duration(n)
}

func median(d []time.Duration) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

// withThreads runs f with GOMAXPROCS and Heed's SGEMM thread count both
// set to threads, so Heed and gonum get the same cores.
func withThreads(threads int, f func()) {
	prev := runtime.GOMAXPROCS(threads)
	restore := asm.SetThreads(threads)
	defer func() {
		restore()
		runtime.GOMAXPROCS(prev)
	}()
	f()
}

// NewPeakLoop returns a function running asm.FMALoop for tier on threads
// goroutines at once, and the floating-point operations of one call.
func NewPeakLoop(tier asm.Tier, threads int) (f func(), flops float64) {
	const iters = 1 << 16
	flops = float64(threads) * float64(asm.FMALoop(tier, 1)) * iters
	return func() {
		done := make(chan struct{}, threads)
		for g := 0; g < threads; g++ {
			go func() {
				asm.FMALoop(tier, iters)
				done <- struct{}{}
			}()
		}
		for g := 0; g < threads; g++ {
			<-done
		}
	}, flops
}

// PeakGFLOPS measures the FMA throughput of tier t, in GFLOP/s, with
// threads goroutines each running asm.FMALoop. It returns 0 for the
// generic tier.
func PeakGFLOPS(t Timer, tier asm.Tier, threads int) float64 {
	const iters = 1 << 16
	var flops int64
	var d time.Duration
	withThreads(threads, func() {
		d = t.PerOp(func() {
			done := make(chan int64, threads)
			for g := 0; g < threads; g++ {
				go func() { done <- asm.FMALoop(tier, iters) }()
			}
			flops = 0
			for g := 0; g < threads; g++ {
				flops += <-done
			}
		})
	})
	if flops == 0 {
		return 0
	}
	return float64(flops) / d.Seconds() / 1e9
}

// CopyGBps measures copy between two buffers of the given size in bytes,
// counting each byte read and each byte written, as STREAM does.
func CopyGBps(t Timer, size int) float64 {
	return 2 * float64(size) / t.PerOp(NewCopy(size)).Seconds() / 1e9
}

// NewCopy returns a function copying one buffer of size bytes to another
// with Go's copy, the bandwidth yardstick of the elementwise kernels.
func NewCopy(size int) func() {
	n := size / 4
	src, dst := make([]float32, n), make([]float32, n)
	for i := range src {
		src[i] = float32(i)
	}
	return func() { copy(dst, src) }
}

// randomSlice returns n values from [-1, 1) drawn from a fixed seed.
func randomSlice(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = 2*r.Float32() - 1
	}
	return x
}

// SgemmOperands returns A, B and C for shape s, filled from a fixed seed.
func SgemmOperands(s Shape) (a, b, c []float32) {
	r := rand.New(rand.NewPCG(uint64(s.M), uint64(s.N*s.K)))
	return randomSlice(r, s.M*s.K), randomSlice(r, s.K*s.N), make([]float32, s.M*s.N)
}

// HeedSgemm returns a function computing C = A·B for shape s with asm.Sgemm.
func HeedSgemm(s Shape) func() {
	a, b, c := SgemmOperands(s)
	return func() { asm.Sgemm(false, false, s.M, s.N, s.K, 1, a, s.K, b, s.N, 0, c, s.N) }
}

// GonumSgemm returns a function computing C = A·B for shape s with gonum's
// pure-Go Sgemm (gonum.org/v1/gonum/blas/gonum).
func GonumSgemm(s Shape) func() {
	a, b, c := SgemmOperands(s)
	var impl gonum.Implementation
	return func() { impl.Sgemm(blas.NoTrans, blas.NoTrans, s.M, s.N, s.K, 1, a, s.K, b, s.N, 0, c, s.N) }
}

// GFLOPS returns the rate of f on shape s with the given thread count.
func GFLOPS(t Timer, s Shape, threads int, f func()) float64 {
	var d time.Duration
	withThreads(threads, func() { d = t.PerOp(f) })
	return s.Flops() / d.Seconds() / 1e9
}

// Stream is an elementwise kernel or reduction timed on large inputs.
type Stream struct {
	// Name is the asm function measured.
	Name string
	// Bytes is the memory traffic of one call on n elements: each input
	// read and each output written once.
	Bytes func(n int) float64
	// New returns a function running the kernel once on n elements.
	New func(n int) func()
}

func perElem(k int) func(n int) float64 { return func(n int) float64 { return float64(4 * k * n) } }

// Streams lists the elementwise kernels and reductions the suite times.
var Streams = []Stream{
	{"AddTo", perElem(3), func(n int) func() {
		x, y, d := streamBufs(n, 3)
		return func() { asm.AddTo(d, x, y) }
	}},
	{"MulTo", perElem(3), func(n int) func() {
		x, y, d := streamBufs(n, 3)
		return func() { asm.MulTo(d, x, y) }
	}},
	{"DivTo", perElem(3), func(n int) func() {
		x, y, d := streamBufs(n, 3)
		return func() { asm.DivTo(d, x, y) }
	}},
	{"MulScalarTo", perElem(2), func(n int) func() {
		x, _, d := streamBufs(n, 2)
		return func() { asm.MulScalarTo(d, x, 1.5) }
	}},
	{"AxpyUnitary", perElem(3), func(n int) func() {
		x, y, _ := streamBufs(n, 2)
		return func() { asm.AxpyUnitary(1e-3, x, y) }
	}},
	{"ReluTo", perElem(2), func(n int) func() {
		x, _, d := streamBufs(n, 2)
		return func() { asm.ReluTo(d, x) }
	}},
	{"ReluBackwardTo", perElem(3), func(n int) func() {
		x, y, d := streamBufs(n, 3)
		return func() { asm.ReluBackwardTo(d, x, y) }
	}},
	{"ExpTo", perElem(2), func(n int) func() {
		x, _, d := streamBufs(n, 2)
		return func() { asm.ExpTo(d, x) }
	}},
	{"DotUnitary", perElem(2), func(n int) func() {
		x, y, _ := streamBufs(n, 2)
		return func() { sink = asm.DotUnitary(x, y) }
	}},
	{"Sum", perElem(1), func(n int) func() {
		x, _, _ := streamBufs(n, 1)
		return func() { sink = asm.Sum(x) }
	}},
	{"Max", perElem(1), func(n int) func() {
		x, _, _ := streamBufs(n, 1)
		return func() { sink = asm.Max(x) }
	}},
	// Adam reads p, g, m and v and writes p, m and v.
	{"AdamUpdate", perElem(7), func(n int) func() {
		p, g, _ := streamBufs(n, 2)
		m, v := make([]float32, n), make([]float32, n)
		c := &asm.AdamStep{Beta1: 0.9, OneMinusBeta1: 0.1, Beta2: 0.999, OneMinusBeta2: 0.001, Eps: 1e-8, Decay: 1, StepSize: 1e-3, InvSqrtCorr2: 1}
		return func() { asm.AdamUpdate(c, p, g, m, v) }
	}},
}

// sink keeps reductions from being optimised away.
var sink float32

// streamBufs allocates the buffers a stream kernel needs: up to two inputs
// and an output, each n elements.
func streamBufs(n, count int) (x, y, d []float32) {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	x = randomSlice(r, n)
	if count >= 2 {
		y = randomSlice(r, n)
	}
	if count >= 3 {
		d = make([]float32, n)
	}
	if count == 2 && d == nil {
		d = make([]float32, n)
	}
	return x, y, d
}
