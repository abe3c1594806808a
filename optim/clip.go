package optim

import (
	"fmt"
	"math"

	"github.com/heed-ml/heed/asm"
	"github.com/heed-ml/heed/autodiff"
)

// ClipGradNorm rescales the gradients of params in place so that their
// global L2 norm, taken over all of them as one vector, is at most maxNorm,
// and returns the norm before clipping. As in PyTorch's clip_grad_norm_,
// when the norm exceeds maxNorm every gradient is multiplied by
// maxNorm/(norm + 1e-6); otherwise nothing changes. Parameters with a nil
// gradient are skipped. The sum of squares is accumulated in float64, in
// parameter order, so the result is deterministic.
//
// NOTE: when the norm is NaN or infinite, the gradients are left unchanged
// and the norm is returned, so the caller can detect it and skip the step;
// PyTorch would instead scale them to NaN or zero.
//
// It panics if maxNorm is negative or NaN.
func ClipGradNorm(params []*autodiff.Value, maxNorm float64) (totalNorm float64) {
	if !(maxNorm >= 0) {
		panic(fmt.Sprintf("optim.ClipGradNorm: maximum norm %v must be non-negative", maxNorm))
	}
	var sum float64
	for _, p := range params {
		if g := p.Grad(); g != nil {
			for _, x := range g.Contiguous().Data() {
				sum += float64(x) * float64(x)
			}
		}
	}
	totalNorm = math.Sqrt(sum)
	if math.IsNaN(totalNorm) || math.IsInf(totalNorm, 0) || totalNorm <= maxNorm {
		return totalNorm
	}
	scale := float32(maxNorm / (totalNorm + 1e-6))
	for _, p := range params {
		if g := p.Grad(); g != nil {
			// Grad is contiguous: autodiff allocates it as a fresh
			// row-major tensor.
			asm.ScalUnitary(scale, g.Data())
		}
	}
	return totalNorm
}
