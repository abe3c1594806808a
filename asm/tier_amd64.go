//go:build !purego

package asm

import "github.com/klauspost/cpuid/v2"

// bestTier returns the tier read from the CPU's features at start-up. The
// AVX-512 kernels need F for the 512-bit arithmetic and masks, plus VL, BW
// and DQ for the masked 256-bit loads and the mask-register moves. The AVX2
// kernels need FMA3 as well as AVX2.
func bestTier() Tier { return cpuBestTier }

var cpuBestTier = func() Tier {
	c := cpuid.CPU
	switch {
	case c.Supports(cpuid.AVX512F, cpuid.AVX512VL, cpuid.AVX512BW, cpuid.AVX512DQ, cpuid.AVX2, cpuid.FMA3):
		return TierAVX512
	case c.Supports(cpuid.AVX2, cpuid.FMA3):
		return TierAVX2
	}
	return TierGeneric
}()

// installArch replaces entries of k with tier t's kernels.
func installArch(t Tier, k *kernelTable) {
	switch t {
	case TierAVX2:
		*k = kernelTable{
			addTo: addToAVX2, subTo: subToAVX2, mulTo: mulToAVX2, divTo: divToAVX2,
			addScalarTo: addScalarToAVX2, subScalarTo: subScalarToAVX2,
			mulScalarTo: mulScalarToAVX2, divScalarTo: divScalarToAVX2,
			scalarSubTo: swapScalar(scalarSubToAVX2), scalarDivTo: swapScalar(scalarDivToAVX2),
			scalUnitary: func(alpha float32, x []float32) { mulScalarToAVX2(x, x, alpha) },
			axpyUnitary: axpyUnitaryAVX2, dotUnitary: dotUnitaryAVX2,
			reluTo: reluToAVX2, reluBackwardTo: reluBackwardToAVX2, expTo: expToAVX2,
			sum: func(x []float32) float32 { return float32(sumAVX2(x)) },
			max: maxWith(maxAVX2),
		}
		k.softmaxRows = softmaxRowsWith(k.max, subScalarToAVX2, expToAVX2, sumAVX2, mulScalarToAVX2)
		k.adamUpdate = adamWith(adamUpdateAVX2, adamUpdateL2AVX2)
		k.sgemm = func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
			sgemmBlocked(&avx2Gemm, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		}
	case TierAVX512:
		*k = kernelTable{
			addTo: addToAVX512, subTo: subToAVX512, mulTo: mulToAVX512, divTo: divToAVX512,
			addScalarTo: addScalarToAVX512, subScalarTo: subScalarToAVX512,
			mulScalarTo: mulScalarToAVX512, divScalarTo: divScalarToAVX512,
			scalarSubTo: swapScalar(scalarSubToAVX512), scalarDivTo: swapScalar(scalarDivToAVX512),
			scalUnitary: func(alpha float32, x []float32) { mulScalarToAVX512(x, x, alpha) },
			axpyUnitary: axpyUnitaryAVX512, dotUnitary: dotUnitaryAVX512,
			reluTo: reluToAVX512, reluBackwardTo: reluBackwardToAVX512, expTo: expToAVX512,
			sum: func(x []float32) float32 { return float32(sumAVX512(x)) },
			max: maxWith(maxAVX512),
		}
		k.softmaxRows = softmaxRowsWith(k.max, subScalarToAVX512, expToAVX512, sumAVX512, mulScalarToAVX512)
		k.adamUpdate = adamWith(adamUpdateAVX512, adamUpdateL2AVX512)
		k.sgemm = func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
			sgemmBlocked(&avx512Gemm, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		}
	}
}

// adamWith picks the L2 form of the Adam kernel only when L2 is nonzero,
// because adding 0·p would turn an infinite p into NaN.
func adamWith(plain, l2 func(p, g, m, v []float32, c *AdamStep)) func(c *AdamStep, p, g, m, v []float32) {
	return func(c *AdamStep, p, g, m, v []float32) {
		if c.L2 != 0 {
			l2(p, g, m, v, c)
		} else {
			plain(p, g, m, v, c)
		}
	}
}

// swapScalar adapts a kernel taking (dst, x, s) to the exported argument
// order (dst, s, x).
func swapScalar(f func(dst, x []float32, s float32)) func(dst []float32, s float32, x []float32) {
	return func(dst []float32, s float32, x []float32) { f(dst, x, s) }
}

// maxWith wraps a vector max. On a NaN it rescans with MaxGeneric to return
// the first NaN, and on a zero maximum to return the sign of the first zero,
// since VMAXPS decides both by operand order rather than by position.
func maxWith(f func(x []float32) (float32, bool)) func(x []float32) float32 {
	return func(x []float32) float32 {
		m, nan := f(x)
		if nan || m == 0 {
			return MaxGeneric(x)
		}
		return m
	}
}

func fmaLoop(t Tier, iters int) int64 {
	switch t {
	case TierAVX2:
		fmaLoopAVX2(iters)
		return int64(iters) * 12 * 8 * 2
	case TierAVX512:
		fmaLoopAVX512(iters)
		return int64(iters) * 24 * 16 * 2
	}
	return 0
}
