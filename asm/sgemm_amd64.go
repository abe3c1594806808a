//go:build !purego

package asm

import "sync"

// sgemmKernel is the signature of every generated micro-kernel; see
// sgemmKernelAVX512_12x2 for the loop it computes.
type sgemmKernel func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, nlast, loadC int)

// sgemmPackKernel is the signature of the packing variants, which also copy
// the B rows they read to pk; see sgemmKernelAVX512_12x2_pack.
type sgemmPackKernel func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, nlast, loadC int, pk *float32)

// gemmArch describes one tier's micro-kernels.
type gemmArch struct {
	width       int                  // float32 lanes per vector
	mr          int                  // maximum rows per micro-kernel call
	kernels     [][3]sgemmKernel     // kernels[rows][vectors]
	packKernels [][3]sgemmPackKernel // the packing variants, same indices
	transA      [][3]sgemmKernel     // the variants reading A transposed
}

var (
	avx2Gemm = gemmArch{width: 8, mr: 6, kernels: sgemmKernelsAVX2[:],
		packKernels: sgemmKernelsPackAVX2[:], transA: sgemmKernelsTransAAVX2[:]}
	avx512Gemm = gemmArch{width: 16, mr: 12, kernels: sgemmKernelsAVX512[:],
		packKernels: sgemmKernelsPackAVX512[:], transA: sgemmKernelsTransAAVX512[:]}
)

// Blocking of the packed SGEMM, in the BLIS arrangement: a kc-deep slice of
// mr rows of A stays close to the core while the micro-kernel streams the
// kc×nc block of B from L2. The block is held to sgemmBlock floats (1 MiB,
// half of a 2 MiB L2), so nc shrinks as kc grows. K is cut into the fewest
// slices of at most sgemmMaxKC, of equal depth. On the development machine,
// timed alternately against a fixed kc = nc = 512, this ran about 1 %
// faster at 1024³ and 2048³, where it halves the passes over C. A fixed
// nc = 256 lost 2 % at 512³, which the cap on nc keeps out.
const (
	sgemmMaxKC = 1024
	sgemmMaxNC = 512
	sgemmBlock = 1 << 18
)

// sgemmSlices returns the depth of each K slice and the width of each
// block of B for a product of depth k, nr columns per strip.
func sgemmSlices(k, nr int) (kc, nc int) {
	slices := ceilDiv(k, sgemmMaxKC)
	kc = ceilDiv(k, slices)
	nc = min(sgemmMaxNC, max(nr, sgemmBlock/kc/nr*nr))
	return kc, nc
}

// sgemmParallelMin is the product m·n·k below which Sgemm stays on one
// goroutine, because handing work to another core costs more than the core
// saves. With the spinning workers of threads.go a hand-off costs 1 to 2 µs
// on the development machine. There two goroutines ran 32×784×128 (3.2 M)
// 1.85× and 128³ (2.1 M) 1.65× faster than one, and lost on 64³ (0.26 M).
// It is a variable so tests can lower it.
var sgemmParallelMin = 1 << 20

// sgemmBuffers holds one goroutine's packing buffer for B.
type sgemmBuffers struct {
	b []float32
}

var sgemmBufferPool = sync.Pool{New: func() any { return new(sgemmBuffers) }}

// sgemmBlocked computes C = alpha·op(A)·op(B) + beta·C with g's
// micro-kernels. The caller has checked the sizes.
func sgemmBlocked(g *gemmArch, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scaleC(m, n, alpha, beta, c, ldc)
		return
	}
	p := sgemmProblem{g: g, transA: transA, transB: transB, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc}

	threads := Threads()
	nr := 2 * g.width
	rowTiles, colTiles := ceilDiv(m, g.mr), ceilDiv(n, nr)
	if threads <= 1 || m*n*k < sgemmParallelMin || (rowTiles < threads && colTiles < threads) {
		p.run(0, m, 0, n)
		return
	}
	// Split whole tiles along M or N, whichever leaves the busiest thread
	// the smaller share (M on a tie, and whenever N has too few tiles).
	// The split never changes the arithmetic of any element, so the bits
	// do not depend on it.
	if colTiles < threads || ceilDiv(rowTiles, threads)*colTiles <= ceilDiv(colTiles, threads)*rowTiles {
		parts := min(threads, rowTiles)
		parallelFor(parts, func(i int) {
			lo, hi := split(rowTiles, parts, i)
			p.run(lo*g.mr, min(hi*g.mr, m), 0, n)
		})
		return
	}
	parts := min(threads, colTiles)
	parallelFor(parts, func(i int) {
		lo, hi := split(colTiles, parts, i)
		p.run(0, m, lo*nr, min(hi*nr, n))
	})
}

// split returns the range of tiles that part i of parts gets, the first
// tiles%parts parts taking one extra.
func split(tiles, parts, i int) (lo, hi int) {
	q, r := tiles/parts, tiles%parts
	lo = i*q + min(i, r)
	hi = lo + q
	if i < r {
		hi++
	}
	return lo, hi
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// scaleC sets C = alpha·0 + beta·C, the product of an empty sum, computed
// as the reference loop does so NaN in alpha still reaches C.
func scaleC(m, n int, alpha, beta float32, c []float32, ldc int) {
	zero := alpha * 0
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			if beta == 0 {
				row[j] = zero
			} else {
				row[j] = zero + beta*row[j]
			}
		}
	}
}

// sgemmProblem is one Sgemm call, shared by the goroutines computing it.
type sgemmProblem struct {
	g              *gemmArch
	transA, transB bool
	k              int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
}

// run computes rows [i0, i1) and columns [j0, j1) of C.
func (p *sgemmProblem) run(i0, i1, j0, j1 int) {
	g := p.g
	nr := 2 * g.width
	rows := i1 - i0

	// Packing is how op(B) = Bᵀ is read, and how B is read once its rows
	// lie more than 512 elements apart. Below that the micro-kernel reading
	// B in place, with its own stride, ran 2 to 5 % faster than on a copy.
	// Above it each step of an unpacked strip lands on a new 4 KiB page,
	// and packing the block into contiguous strips gained 10 to 20 % at
	// 1024³ and 2048³ on the development machine. The copy is paid back
	// only when enough row tiles reuse it.
	//
	// A is never packed. Packing it at power-of-two strides measured no
	// gain. A transposed A is read in place by the _ta kernels, because
	// each step finds the mr elements it needs side by side. Packing it had
	// cost 11 % of an MMoE training run in a CPU profile. Those kernels do
	// not pack B, so with a transposed A an untransposed B is read in place.
	packB := p.transB || (!p.transA && rows >= 4*g.mr && p.ldb > 512)

	var buf *sgemmBuffers
	if packB {
		buf = sgemmBufferPool.Get().(*sgemmBuffers)
		defer sgemmBufferPool.Put(buf)
	}
	kc, nc := sgemmSlices(p.k, nr)
	if packB && len(buf.b) < kc*(nc+nr) {
		buf.b = make([]float32, kc*(nc+nr))
	}

	for jc := j0; jc < j1; jc += nc {
		ncb := min(nc, j1-jc)
		for pc := 0; pc < p.k; pc += kc {
			kcb := min(kc, p.k-pc)
			// Later K blocks add to what the first one wrote.
			beta, loadC := p.beta, 1
			if pc > 0 {
				beta = 1
			} else if beta == 0 {
				loadC = 0
			}
			// A transposed B is packed up front. An untransposed one is
			// packed by the first row tile's kernels as they read it, so
			// the copy runs under their multiply-adds instead of in a pass
			// of its own, which cost about 3 % at 1024³.
			if p.transB {
				p.packB(buf.b, pc, kcb, jc, ncb)
			}
			for ir := i0; ir < i1; ir += g.mr {
				mrb := min(g.mr, i1-ir)
				var aPtr *float32
				if p.transA {
					aPtr = &p.a[pc*p.lda+ir]
				} else {
					aPtr = &p.a[ir*p.lda+pc]
				}
				packing := packB && !p.transB && ir == i0
				for s, jr := 0, jc; jr < jc+ncb; s, jr = s+1, jr+nr {
					cols := min(nr, jc+ncb-jr)
					nv := ceilDiv(cols, g.width)
					nlast := cols - (nv-1)*g.width
					cPtr := &p.c[ir*p.ldc+jr]
					kernels := g.kernels
					if p.transA {
						kernels = g.transA
					}
					switch {
					case packing:
						g.packKernels[mrb][nv](kcb, aPtr, p.lda, &p.b[pc*p.ldb+jr], p.ldb, cPtr, p.ldc, p.alpha, beta, nlast, loadC, &buf.b[s*kcb*nr])
					case packB:
						kernels[mrb][nv](kcb, aPtr, p.lda, &buf.b[s*kcb*nr], nr, cPtr, p.ldc, p.alpha, beta, nlast, loadC)
					default:
						kernels[mrb][nv](kcb, aPtr, p.lda, &p.b[pc*p.ldb+jr], p.ldb, cPtr, p.ldc, p.alpha, beta, nlast, loadC)
					}
				}
			}
		}
	}
}

// packB copies rows [pc, pc+kcb) and columns [jc, jc+ncb) of op(B) = Bᵀ
// into dst as consecutive strips of nr columns, each kcb×nr row-major.
// Columns past ncb in the last strip keep stale values, which the kernels
// mask off. An untransposed B is packed by the packing kernels instead.
func (p *sgemmProblem) packB(dst []float32, pc, kcb, jc, ncb int) {
	nr := 2 * p.g.width
	for s, j := 0, 0; j < ncb; s, j = s+1, j+nr {
		cols := min(nr, ncb-j)
		strip := dst[s*kcb*nr : (s+1)*kcb*nr]

		// op(B)(q, j) = b[j*ldb + q]: each stored row of B becomes a
		// column of the strip. Four rows at a time fill 16 contiguous
		// bytes of each strip row per step instead of 4.
		jj := 0
		for ; jj+4 <= cols; jj += 4 {
			row := (jc + j + jj) * p.ldb
			s0 := p.b[row+pc : row+pc+kcb]
			s1 := p.b[row+p.ldb+pc : row+p.ldb+pc+kcb]
			s2 := p.b[row+2*p.ldb+pc : row+2*p.ldb+pc+kcb]
			s3 := p.b[row+3*p.ldb+pc : row+3*p.ldb+pc+kcb]
			for q := range s0 {
				d := strip[q*nr+jj : q*nr+jj+4 : q*nr+jj+4]
				d[0], d[1], d[2], d[3] = s0[q], s1[q], s2[q], s3[q]
			}
		}
		for ; jj < cols; jj++ {
			src := p.b[(jc+j+jj)*p.ldb+pc : (jc+j+jj)*p.ldb+pc+kcb]
			for q, v := range src {
				strip[q*nr+jj] = v
			}
		}
	}
}
