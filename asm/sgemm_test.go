package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// gemmCase is one Sgemm call: shapes, leading dimensions and scalars.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	lda, ldb, ldc  int
	alpha, beta    float32
}

func (c gemmCase) String() string {
	return fmt.Sprintf("transA=%v transB=%v m=%d n=%d k=%d lda=%d ldb=%d ldc=%d alpha=%v beta=%v",
		c.transA, c.transB, c.m, c.n, c.k, c.lda, c.ldb, c.ldc, c.alpha, c.beta)
}

// gemmData holds the operands of a case, C inside a sentinel-filled buffer
// so writes to the gaps between rows or past the end are caught.
type gemmData struct {
	c        gemmCase
	a, b, c0 []float32
	cbuf     []float32 // guardLen sentinels, C's (m-1)·ldc+n elements, guardLen sentinels
}

// newGemmData fills A and B from [-1, 1], with a NaN and infinities placed
// where some of their partners are zero when specials is set.
func newGemmData(r *rand.Rand, c gemmCase, specials bool) *gemmData {
	aRows, aCols := c.m, c.k
	if c.transA {
		aRows, aCols = c.k, c.m
	}
	bRows, bCols := c.k, c.n
	if c.transB {
		bRows, bCols = c.n, c.k
	}
	d := &gemmData{c: c}
	d.a = make([]float32, max(0, (aRows-1)*c.lda+aCols))
	d.b = make([]float32, max(0, (bRows-1)*c.ldb+bCols))
	fillUniform(r, d.a, 1)
	fillUniform(r, d.b, 1)
	if specials && len(d.a) > 0 && len(d.b) > 0 {
		for i := 0; i < 3; i++ {
			d.a[r.IntN(len(d.a))] = 0
			d.b[r.IntN(len(d.b))] = 0
		}
		d.a[r.IntN(len(d.a))] = float32(math.NaN())
		d.b[r.IntN(len(d.b))] = float32(math.Inf(1))
		d.b[r.IntN(len(d.b))] = float32(math.Inf(-1))
		d.a[r.IntN(len(d.a))] = float32(math.Copysign(0, -1))
	}
	cLen := max(0, (c.m-1)*c.ldc+c.n)
	d.c0 = make([]float32, cLen)
	for i := 0; i < c.m; i++ {
		for j := 0; j < c.n; j++ {
			if c.beta == 0 {
				// Must not be read: a NaN would leak into the result.
				d.c0[i*c.ldc+j] = float32(math.NaN())
			} else {
				d.c0[i*c.ldc+j] = 2*r.Float32() - 1
			}
		}
	}
	d.cbuf = make([]float32, cLen+2*guardLen)
	return d
}

func (d *gemmData) opA(i, p int) float32 {
	if d.c.transA {
		return d.a[p*d.c.lda+i]
	}
	return d.a[i*d.c.lda+p]
}

func (d *gemmData) opB(p, j int) float32 {
	if d.c.transB {
		return d.b[j*d.c.ldb+p]
	}
	return d.b[p*d.c.ldb+j]
}

// run calls Sgemm on a fresh copy of C and returns the C region.
func (d *gemmData) run() []float32 {
	c := d.c
	for i := range d.cbuf {
		d.cbuf[i] = sentinel
	}
	out := d.cbuf[guardLen : guardLen+len(d.c0)]
	for i := 0; i < c.m; i++ {
		copy(out[i*c.ldc:i*c.ldc+c.n], d.c0[i*c.ldc:i*c.ldc+c.n])
	}
	Sgemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, d.a, c.lda, d.b, c.ldb, c.beta, out, c.ldc)
	return out
}

// check compares element (i, j) of out with a float64 reference. Any
// summation order of k float32 products with fused or separate rounding
// lies within 2·(k+4)·2⁻²⁴ of the exact sum relative to the sum of
// magnitudes.
func (d *gemmData) check(t *testing.T, out []float32, i, j int) {
	t.Helper()
	c := d.c
	var s, mag float64
	for p := 0; p < c.k; p++ {
		v := float64(d.opA(i, p)) * float64(d.opB(p, j))
		s += v
		mag += math.Abs(v)
	}
	want := float64(c.alpha) * s
	mag *= math.Abs(float64(c.alpha))
	if c.beta != 0 {
		cv := float64(c.beta) * float64(d.c0[i*c.ldc+j])
		want += cv
		mag += math.Abs(cv)
	}
	got := out[i*c.ldc+j]
	bound := 2*float64(c.k+4)*0x1p-24*mag + 1e-37
	if math.IsNaN(want) || math.IsInf(want, 0) {
		if !same(got, float32(want)) {
			t.Fatalf("%v: C[%d,%d] = %v, want %v", c, i, j, got, want)
		}
		return
	}
	if diff := math.Abs(float64(got) - want); !(diff <= bound) {
		t.Fatalf("%v: C[%d,%d] = %v, want %v within %g (off by %g)", c, i, j, got, want, bound, diff)
	}
}

// checkGuards fails if Sgemm wrote outside the m×n window of C.
func (d *gemmData) checkGuards(t *testing.T) {
	t.Helper()
	c := d.c
	for idx, v := range d.cbuf {
		pos := idx - guardLen
		inside := pos >= 0 && pos < len(d.c0) && pos%max(c.ldc, 1) < c.n
		if !inside && math.Float32bits(v) != math.Float32bits(sentinel) {
			t.Fatalf("%v: wrote %v at C offset %d, outside the %d×%d window", c, v, pos, c.m, c.n)
		}
	}
}

// checkAll compares every element, or about samples of them (always
// including the corners and the last row and column) when samples > 0.
func (d *gemmData) checkAll(t *testing.T, r *rand.Rand, out []float32, samples int) {
	t.Helper()
	c := d.c
	if samples <= 0 {
		for i := 0; i < c.m; i++ {
			for j := 0; j < c.n; j++ {
				d.check(t, out, i, j)
			}
		}
		return
	}
	if c.m == 0 || c.n == 0 {
		return
	}
	for s := 0; s < samples; s++ {
		d.check(t, out, r.IntN(c.m), r.IntN(c.n))
	}
	for i := 0; i < c.m; i++ {
		d.check(t, out, i, c.n-1)
	}
	for j := 0; j < c.n; j++ {
		d.check(t, out, c.m-1, j)
	}
}

func randomGemmCase(r *rand.Rand, transA, transB bool) gemmCase {
	largest := 300
	if raceEnabled {
		largest = 100
	}
	dim := func() int {
		if r.IntN(3) == 0 {
			return r.IntN(20)
		}
		return r.IntN(largest + 1)
	}
	c := gemmCase{transA: transA, transB: transB, m: dim(), n: dim(), k: dim()}
	pad := func(cols int) int {
		if r.IntN(2) == 0 {
			return max(cols, 1)
		}
		return cols + 1 + r.IntN(17)
	}
	aCols, bCols := c.k, c.n
	if transA {
		aCols = c.m
	}
	if transB {
		bCols = c.k
	}
	c.lda, c.ldb, c.ldc = pad(aCols), pad(bCols), pad(c.n)
	alphas := []float32{1, -1, 0.5, 2.25, 0}
	betas := []float32{0, 1, -0.5, 3}
	c.alpha, c.beta = alphas[r.IntN(len(alphas))], betas[r.IntN(len(betas))]
	return c
}

func TestSgemmRandomShapes(t *testing.T) {
	count := 40
	if testing.Short() || raceEnabled {
		count = 8
	}
	r := rand.New(rand.NewPCG(7, 8))
	var datas []*gemmData
	for i := 0; i < count; i++ {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				datas = append(datas, newGemmData(r, randomGemmCase(r, ta, tb), i%2 == 1))
			}
		}
	}
	forEachTier(t, func(t *testing.T, tier Tier) {
		for _, d := range datas {
			out := d.run()
			d.checkGuards(t)
			d.checkAll(t, r, out, 0)
		}
	})
}

// nnShapes are the m×k×n products of small networks that Heed's layers
// run: dense layers on MNIST-sized batches and an im2col convolution.
var nnShapes = [][3]int{
	{32, 784, 128}, {128, 784, 128}, {256, 784, 128}, {32, 128, 10},
	{1024, 1024, 64}, {4096, 64, 64}, {28800, 27, 32},
}

func TestSgemmNNAndSquareShapes(t *testing.T) {
	shapes := append([][3]int(nil), nnShapes...)
	for s := 64; s <= 2048; s *= 2 {
		shapes = append(shapes, [3]int{s, s, s})
	}
	r := rand.New(rand.NewPCG(9, 10))
	forEachTier(t, func(t *testing.T, tier Tier) {
		for _, sh := range shapes {
			m, k, n := sh[0], sh[1], sh[2]
			work := m * n * k
			if tier == TierGeneric && work > 1<<28 {
				continue // the reference itself, and slow at this size
			}
			if (testing.Short() || raceEnabled) && work > 1<<27 {
				continue
			}
			if raceEnabled && (work > 1<<24 || tier == TierGeneric) {
				continue // the race detector slows these loops about tenfold
			}
			for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				if tr != [2]bool{} && work > 1<<27 {
					continue // transposed packing is checked on the smaller shapes
				}
				c := gemmCase{transA: tr[0], transB: tr[1], m: m, n: n, k: k, alpha: 1, beta: 0}
				c.lda, c.ldb, c.ldc = k, n, n
				if c.transA {
					c.lda = m
				}
				if c.transB {
					c.ldb = k
				}
				if work < 1<<26 {
					c.beta = 0.5
				}
				d := newGemmData(r, c, true)
				out := d.run()
				d.checkGuards(t)
				d.checkAll(t, r, out, 300)
			}
		}
	})
}

// TestSgemmPackedUntransposedB covers the copy of an untransposed B whose
// rows lie far apart. The cases add several K slices into a C read with
// beta, end in a partial strip, span two column blocks and pad every
// stride, on one goroutine and on three.
func TestSgemmPackedUntransposedB(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	cases := []gemmCase{
		{m: 100, n: 700, k: 1100, lda: 1103, ldb: 703, ldc: 709, alpha: 1.5, beta: -0.5},
		{m: 61, n: 45, k: 530, lda: 530, ldb: 1024, ldc: 2048, alpha: 1, beta: 0},
	}
	if raceEnabled {
		cases[0].k = 600
		cases[0].lda = 603
	}
	forEachTier(t, func(t *testing.T, tier Tier) {
		for _, c := range cases {
			d := newGemmData(r, c, true)
			for _, threads := range []int{1, 3} {
				restore := SetThreads(threads)
				out := d.run()
				restore()
				d.checkGuards(t)
				d.checkAll(t, r, out, 0)
			}
		}
	})
}

// lowerSgemmParallelMin lowers the size from which the SIMD Sgemm splits a
// product across goroutines, so small cases exercise the split, and returns
// a function that restores it. Builds without that Sgemm leave it a no-op.
var lowerSgemmParallelMin = func() (restore func()) { return func() {} }

// TestSgemmThreadsSameBits checks that the split across goroutines never
// changes a bit of the result.
func TestSgemmThreadsSameBits(t *testing.T) {
	defer lowerSgemmParallelMin()()
	r := rand.New(rand.NewPCG(11, 12))
	shapes := []gemmCase{
		{m: 257, n: 300, k: 129}, {m: 32, n: 784, k: 128}, {m: 1000, n: 70, k: 40},
		{m: 13, n: 1100, k: 300}, {transA: true, transB: true, m: 200, n: 150, k: 600},
	}
	if raceEnabled {
		shapes = shapes[:2]
	}
	forEachTier(t, func(t *testing.T, tier Tier) {
		for _, c := range shapes {
			c.lda, c.ldb, c.ldc, c.alpha, c.beta = c.k, c.n, c.n, 1, 0
			if c.transA {
				c.lda = c.m
			}
			if c.transB {
				c.ldb = c.k
			}
			d := newGemmData(r, c, false)
			var first []float32
			for _, threads := range []int{1, 2, 3, 4} {
				restore := SetThreads(threads)
				out := append([]float32(nil), d.run()...)
				restore()
				if first == nil {
					first = out
					continue
				}
				if !equalBits(out, first) {
					t.Fatalf("%v: %d threads gave different bits from 1 thread", c, threads)
				}
			}
		}
	})
}

func TestSgemmBadSizesPanic(t *testing.T) {
	a, b, c := make([]float32, 6), make([]float32, 6), make([]float32, 4)
	cases := map[string]func(){
		"negative m":   func() { Sgemm(false, false, -1, 2, 3, 1, a, 3, b, 2, 0, c, 2) },
		"short A":      func() { Sgemm(false, false, 2, 2, 4, 1, a, 4, b, 2, 0, c, 2) },
		"small lda":    func() { Sgemm(false, false, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2) },
		"short C":      func() { Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c[:3], 2) },
		"small ldb tB": func() { Sgemm(false, true, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2) },
	}
	forEachTier(t, func(t *testing.T, tier Tier) {
		for name, f := range cases {
			func() {
				defer func() {
					msg, _ := recover().(string)
					if !strings.HasPrefix(msg, "asm.Sgemm") {
						t.Fatalf("%s: panic %q, want one starting with asm.Sgemm", name, msg)
					}
				}()
				f()
			}()
		}
	})
}

func TestSetThreads(t *testing.T) {
	restore := SetThreads(3)
	if got := Threads(); got != 3 {
		t.Fatalf("Threads() = %d after SetThreads(3)", got)
	}
	restore()
	restore = SetThreads(0)
	defer restore()
	if got := Threads(); got < 1 {
		t.Fatalf("Threads() = %d with the default setting", got)
	}
}

// TestSgemmTileEdges runs every micro-kernel row count and every width of
// the last vector, with gaps between the rows of C that must stay
// untouched.
func TestSgemmTileEdges(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	forEachTier(t, func(t *testing.T, tier Tier) {
		maxM, maxN := 25, 66
		if raceEnabled {
			maxM, maxN = 13, 33
		}
		for m := 1; m <= maxM; m++ {
			for n := 1; n <= maxN; n++ {
				c := gemmCase{transA: n%3 == 0, transB: n%5 == 0, m: m, n: n, k: 1 + (m*n)%9, alpha: 1.5, beta: float32(n % 2)}
				c.lda, c.ldb, c.ldc = c.k+1, c.n+2, c.n+3
				if c.transA {
					c.lda = c.m + 1
				}
				if c.transB {
					c.ldb = c.k + 2
				}
				d := newGemmData(r, c, false)
				out := d.run()
				d.checkGuards(t)
				d.checkAll(t, r, out, 0)
			}
		}
	})
}

// BenchmarkSgemmSquare times untransposed square products on one and two
// goroutines, in GFLOP/s so that two builds can be compared run by run.
func BenchmarkSgemmSquare(b *testing.B) {
	for _, n := range []int{64, 256, 512, 1024, 2048} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("n=%d/threads=%d", n, threads), func(b *testing.B) {
				defer SetThreads(threads)()
				r := rand.New(rand.NewPCG(1, 2))
				x := make([]float32, n*n)
				y := make([]float32, n*n)
				z := make([]float32, n*n)
				fillUniform(r, x, 1)
				fillUniform(r, y, 1)
				b.ResetTimer()
				for b.Loop() {
					Sgemm(false, false, n, n, n, 1, x, n, y, n, 0, z, n)
				}
				b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
