package nn

import (
	"runtime"
	"sync"

	"github.com/heed-ml/heed/asm"
)

// The im2col layout: for one image and one group, row r = (c·kh + i)·kw + j
// of the cols matrix holds, for every output position (oh, ow) in row-major
// order, the input element that kernel tap (i, j) of channel c multiplies
// there, or 0 where the tap falls into the zero padding. A convolution is
// then the matrix product weight[outC/groups, rows] · cols[rows, oh·ow].

// convIm2col writes the cols matrix of x, one image's channels of one group
// ([cg, h, w], row-major), into cols ([cg·kh·kw, oh·ow]).
func convIm2col(g *convGeom, x, cols []float32) {
	hw := g.h * g.w
	ohw := g.outSize()
	row := 0
	for c := range g.cg() {
		plane := x[c*hw : (c+1)*hw]
		for ki := range g.kh {
			for kj := range g.kw {
				dst := cols[row*ohw : (row+1)*ohw]
				row++
				off := kj*g.dw - g.pl
				lo, hi := convValidRange(off, g.sw, g.w, g.ow)
				for oh := range g.oh {
					seg := dst[oh*g.ow : (oh+1)*g.ow]
					ih := oh*g.sh - g.pt + ki*g.dh
					if ih < 0 || ih >= g.h {
						clear(seg)
						continue
					}
					src := plane[ih*g.w : (ih+1)*g.w]
					// Most rows have no padding, and an empty clear still
					// costs a call.
					if lo > 0 {
						clear(seg[:lo])
					}
					if hi < g.ow {
						clear(seg[hi:])
					}
					if g.sw == 1 {
						copy(seg[lo:hi], src[lo+off:hi+off])
						continue
					}
					for ow := lo; ow < hi; ow++ {
						seg[ow] = src[ow*g.sw+off]
					}
				}
			}
		}
	}
}

// convIm2colT writes the transpose of convIm2col's matrix: row p of colsT
// (row stride ld ≥ cg·kh·kw) holds the taps of output position p, in the
// same (c, i, j) order. Columns past cg·kh·kw are left alone, so a column
// of ones stored there survives from image to image.
//
// The weight gradient G·colsᵀ needs this layout as SGEMM's right operand.
// Writing it here costs more than convIm2col, but less than the
// transposing copy SGEMM would otherwise make of the whole matrix per
// image (BenchmarkConvWeightGradPieces has both).
func convIm2colT(g *convGeom, x, colsT []float32, ld int) {
	hw := g.h * g.w
	kw := g.kw
	// Positions [lo, hi) of an output row have every tap of the kernel
	// row inside the input, so they need no bounds checks per tap.
	lo := min((g.pl+g.sw-1)/g.sw, g.ow)
	hi := lo
	if last := g.w - 1 + g.pl - (kw-1)*g.dw; last >= 0 {
		hi = max(min(last/g.sw+1, g.ow), lo)
	}
	for oh := range g.oh {
		rows := colsT[oh*g.ow*ld : (oh+1)*g.ow*ld]
		r0 := 0
		for c := range g.cg() {
			plane := x[c*hw : (c+1)*hw]
			if ih := oh*g.sh - g.pt; kw == 3 && g.kh == 3 && g.dw == 1 && ih >= 0 && ih+2*g.dh < g.h {
				// When all three kernel rows lie inside the input, one
				// pass copies the nine taps of each position, not three.
				src0 := plane[ih*g.w : (ih+1)*g.w]
				src1 := plane[(ih+g.dh)*g.w : (ih+g.dh+1)*g.w]
				src2 := plane[(ih+2*g.dh)*g.w : (ih+2*g.dh+1)*g.w]
				if hi > lo {
					s := ih*g.w + lo*g.sw - g.pl
					convTaps3x3(rows[lo*ld+r0:], ld, plane[s:], g.dh*g.w, g.sw, hi-lo)
				}
				for ki, src := range [3][]float32{src0, src1, src2} {
					convTapsEdge(g, src, rows, ld, r0+3*ki, 0, lo)
					convTapsEdge(g, src, rows, ld, r0+3*ki, hi, g.ow)
				}
				r0 += 9
				continue
			}
			for ki := range g.kh {
				ih := oh*g.sh - g.pt + ki*g.dh
				if ih < 0 || ih >= g.h {
					for ow := range g.ow {
						clear(rows[ow*ld+r0 : ow*ld+r0+kw])
					}
					r0 += kw
					continue
				}
				src := plane[ih*g.w : (ih+1)*g.w]
				convTapsEdge(g, src, rows, ld, r0, 0, lo)
				switch {
				case hi == lo:
				case kw == 3 && g.dw == 1:
					// A fixed-size array copy compiles to two moves, where
					// copy would call memmove for 12 bytes.
					convTaps3(rows[lo*ld+r0:], ld, src[lo*g.sw-g.pl:], g.sw, hi-lo)
				case g.dw == 1:
					for ow := lo; ow < hi; ow++ {
						s := ow*g.sw - g.pl
						copy(rows[ow*ld+r0:ow*ld+r0+kw], src[s:s+kw])
					}
				default:
					for ow := lo; ow < hi; ow++ {
						s := ow*g.sw - g.pl
						d := rows[ow*ld+r0 : ow*ld+r0+kw]
						for kj := range d {
							d[kj] = src[s+kj*g.dw]
						}
					}
				}
				convTapsEdge(g, src, rows, ld, r0, hi, g.ow)
				r0 += kw
			}
		}
	}
}

// convTaps3 copies src[i·stride : i·stride+3] to dst[i·ld : i·ld+3] for
// i in [0, n). It is kept out of line because, inlined into the loops of
// convIm2colT, its counters spilled to the stack and convIm2colT ran about
// 20 % slower (BenchmarkConvWeightGradPieces, Go 1.26, amd64).
//
//go:noinline
func convTaps3(dst []float32, ld int, src []float32, stride, n int) {
	d, s := 0, 0
	for range n {
		*(*[3]float32)(dst[d : d+3]) = *(*[3]float32)(src[s : s+3])
		d += ld
		s += stride
	}
}

// convTaps3x3 copies, for i in [0, n), the three taps at src[i·stride],
// src[i·stride+rowStep] and src[i·stride+2·rowStep] to the nine elements
// dst[i·ld : i·ld+9]. Like convTaps3 it is kept out of line, and it takes
// one source slice rather than three so its loop fits in registers.
//
//go:noinline
func convTaps3x3(dst []float32, ld int, src []float32, rowStep, stride, n int) {
	for i := range n {
		d, s := i*ld, i*stride
		row := (*[9]float32)(dst[d : d+9])
		*(*[3]float32)(row[0:3]) = *(*[3]float32)(src[s : s+3])
		s += rowStep
		*(*[3]float32)(row[3:6]) = *(*[3]float32)(src[s : s+3])
		s += rowStep
		*(*[3]float32)(row[6:9]) = *(*[3]float32)(src[s : s+3])
	}
}

// convTapsEdge writes the kw taps of one kernel row for the positions
// [from, to) of an output row, reading 0 where a tap falls outside src.
func convTapsEdge(g *convGeom, src, rows []float32, ld, r0, from, to int) {
	for ow := from; ow < to; ow++ {
		s := ow*g.sw - g.pl
		d := rows[ow*ld+r0 : ow*ld+r0+g.kw]
		for kj := range d {
			iw := s + kj*g.dw
			if iw < 0 || iw >= g.w {
				d[kj] = 0
				continue
			}
			d[kj] = src[iw]
		}
	}
}

// convCol2im adds every element of cols back onto the input element it was
// copied from by convIm2col, the adjoint of that copy. Taps in the padding
// are dropped. An input element read by several windows receives the sum.
func convCol2im(g *convGeom, cols, dx []float32) {
	hw := g.h * g.w
	ohw := g.outSize()
	row := 0
	for c := range g.cg() {
		plane := dx[c*hw : (c+1)*hw]
		for ki := range g.kh {
			for kj := range g.kw {
				src := cols[row*ohw : (row+1)*ohw]
				row++
				off := kj*g.dw - g.pl
				lo, hi := convValidRange(off, g.sw, g.w, g.ow)
				if lo >= hi {
					continue
				}
				for oh := range g.oh {
					ih := oh*g.sh - g.pt + ki*g.dh
					if ih < 0 || ih >= g.h {
						continue
					}
					seg := src[oh*g.ow : (oh+1)*g.ow]
					dst := plane[ih*g.w : (ih+1)*g.w]
					if g.sw == 1 {
						d := dst[lo+off : hi+off]
						asm.AddTo(d, d, seg[lo:hi])
						continue
					}
					for ow := lo; ow < hi; ow++ {
						dst[ow*g.sw+off] += seg[ow]
					}
				}
			}
		}
	}
}

// convValidRange returns the outputs [lo, hi) along one axis whose tap at
// input index ow·stride + off lies inside [0, size), for outs outputs.
func convValidRange(off, stride, size, outs int) (lo, hi int) {
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	if size-off > 0 {
		hi = (size - off + stride - 1) / stride
	}
	lo = min(lo, outs)
	hi = max(min(hi, outs), lo)
	return lo, hi
}

// convScratch recycles the im2col buffers between calls, so a training loop
// allocates them once per worker instead of once per layer and step.
var convScratch sync.Pool

// convGetScratch returns a buffer of at least n elements from the pool.
// Its contents are arbitrary.
func convGetScratch(n int) *[]float32 {
	if p, ok := convScratch.Get().(*[]float32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	buf := make([]float32, n)
	return &buf
}

func convPutScratch(p *[]float32) { convScratch.Put(p) }

// convParallelMinWork is the number of multiply-adds below which a layer
// runs on the calling goroutine: smaller jobs cost more to hand out than
// they gain. It is an estimate, not a tuned figure.
const convParallelMinWork = 1 << 20

// convWorkers returns how many workers to split n items of the given total
// work across: GOMAXPROCS, at most one per item, and one for small jobs.
// The split depends only on n, work and GOMAXPROCS, so results are the same
// bits for the same thread count.
func convWorkers(n, work int) int {
	if work < convParallelMinWork {
		return 1
	}
	return max(min(runtime.GOMAXPROCS(0), n), 1)
}

// convParallel calls fn(worker, lo, hi) for contiguous, nearly equal chunks
// [lo, hi) of [0, n), one chunk per worker, and waits for all of them.
func convParallel(n, workers int, fn func(worker, lo, hi int)) {
	if workers <= 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for wk := range workers {
		lo, hi := wk*n/workers, (wk+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(wk, lo, hi)
		}()
	}
	wg.Wait()
}
