package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/heed-ml/heed/asm"
)

// TestConvIm2colTIsTranspose checks the transposed lowering against
// convIm2col over strides, padding, dilation and kernel widths, including
// windows that lie wholly in the padding.
func TestConvIm2colTIsTranspose(t *testing.T) {
	cases := []convGeom{
		{c: 3, h: 32, w: 32, kh: 3, kw: 3},
		{c: 1, h: 5, w: 7, kh: 3, kw: 3, pt: 1, pb: 1, pl: 1, pr: 1},
		{c: 2, h: 6, w: 9, kh: 2, kw: 4, sh: 2, sw: 3, pl: 2, pr: 3},
		{c: 2, h: 7, w: 8, kh: 3, kw: 3, dh: 2, dw: 2, pt: 2, pl: 2, pr: 1},
		{c: 1, h: 4, w: 3, kh: 1, kw: 5, pl: 4, pr: 4},
		{c: 2, h: 3, w: 3, kh: 3, kw: 3, sw: 2, pt: 3, pb: 3, pl: 3, pr: 3},
		{c: 1, h: 6, w: 6, kh: 1, kw: 1, sh: 2, sw: 2},
		{c: 3, h: 9, w: 10, kh: 3, kw: 3, sh: 2, sw: 2, pt: 1, pb: 1, pl: 1, pr: 1},
		{c: 2, h: 3, w: 3, kh: 3, kw: 3, sh: 5, sw: 5, pt: 1, pb: 4, pl: 1, pr: 4},
		{c: 1, h: 8, w: 3, kh: 3, kw: 3, sw: 5, dh: 2, pl: 2, pr: 5},
		{c: 1, h: 4, w: 9, kh: 3, kw: 3, dh: 1, pl: 1, pr: 1},
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for _, g := range cases {
		g.n, g.outC, g.groups = 1, 1, 1
		g.sh, g.sw = max(g.sh, 1), max(g.sw, 1)
		g.dh, g.dw = max(g.dh, 1), max(g.dw, 1)
		g.oh = (g.h+g.pt+g.pb-g.dh*(g.kh-1)-1)/g.sh + 1
		g.ow = (g.w+g.pl+g.pr-g.dw*(g.kw-1)-1)/g.sw + 1
		t.Run(fmt.Sprintf("%+v", g), func(t *testing.T) {
			x := make([]float32, g.c*g.h*g.w)
			for i := range x {
				x[i] = rng.Float32() + 1 // never 0, so a missed write shows
			}
			k, ohw := g.k(), g.outSize()
			cols := make([]float32, k*ohw)
			convIm2col(&g, x, cols)

			ld := k + 2
			colsT := make([]float32, ohw*ld)
			for i := range colsT {
				colsT[i] = -7 // stale contents the lowering must overwrite
			}
			convIm2colT(&g, x, colsT, ld)
			for p := range ohw {
				for r := range k {
					if got, want := colsT[p*ld+r], cols[r*ohw+p]; got != want {
						t.Fatalf("colsT[%d][%d] = %v, want %v", p, r, got, want)
					}
				}
				for r := k; r < ld; r++ {
					if colsT[p*ld+r] != -7 {
						t.Fatalf("colsT[%d][%d] = %v, want the untouched -7", p, r, colsT[p*ld+r])
					}
				}
			}
		})
	}
}

// BenchmarkConvWeightGradPieces times the steps of one image's backward
// pass for a 3×3 layer (3→32 channels) and a 5×5 layer (3→16 channels) on
// a 32×32 input. The weight gradient G·colsᵀ is either convIm2col then
// SGEMM transposing cols (im2col+gemmNT), or convIm2colT then a plain SGEMM
// (im2colT+gemmNN). col2im is the last step of the input gradient.
func BenchmarkConvWeightGradPieces(b *testing.B) {
	for _, g := range []convGeom{
		{n: 1, c: 3, h: 32, w: 32, outC: 32, kh: 3, kw: 3, oh: 30, ow: 30},
		{n: 1, c: 3, h: 32, w: 32, outC: 16, kh: 5, kw: 5, oh: 28, ow: 28},
	} {
		g.sh, g.sw, g.dh, g.dw, g.groups = 1, 1, 1, 1, 1
		b.Run(fmt.Sprintf("%dx%d", g.kh, g.kw), func(b *testing.B) {
			benchConvWeightGradPieces(b, g)
		})
	}
}

func benchConvWeightGradPieces(b *testing.B, g convGeom) {
	k, ohw := g.k(), g.outSize()
	kb := k + 1
	x := make([]float32, g.c*g.h*g.w)
	gy := make([]float32, g.outC*ohw)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	for i := range gy {
		gy[i] = float32(i%5) - 2
	}

	cols := make([]float32, kb*ohw)
	colsT := make([]float32, kb*ohw)
	dW := make([]float32, g.outC*kb)
	b.Run("im2col+gemmNT", func(b *testing.B) {
		for b.Loop() {
			convIm2col(&g, x, cols)
			asm.Sgemm(false, true, g.outC, kb, ohw, 1, gy, ohw, cols, ohw, 1, dW, kb)
		}
	})
	b.Run("im2colT+gemmNN", func(b *testing.B) {
		for b.Loop() {
			convIm2colT(&g, x, colsT, kb)
			asm.Sgemm(false, false, g.outC, kb, ohw, 1, gy, ohw, colsT, kb, 1, dW, kb)
		}
	})
	b.Run("im2col", func(b *testing.B) {
		for b.Loop() {
			convIm2col(&g, x, cols)
		}
	})
	b.Run("im2colT", func(b *testing.B) {
		for b.Loop() {
			convIm2colT(&g, x, colsT, kb)
		}
	})
	b.Run("col2im", func(b *testing.B) {
		dx := make([]float32, len(x))
		for b.Loop() {
			convCol2im(&g, cols, dx)
		}
	})
}
