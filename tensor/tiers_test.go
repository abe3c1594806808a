package tensor

import (
	"testing"

	"github.com/heed-ml/heed/asm"
)

// TestEveryAsmTier reruns the known-answer and layout tests on every kernel
// tier this CPU supports, so that a SIMD kernel that mishandles NaN, large
// logits, short rows or leading dimensions fails here as well as in asm.
func TestEveryAsmTier(t *testing.T) {
	tests := map[string]func(*testing.T){
		"SoftmaxLargeLogits": TestSoftmaxLargeLogits,
		"SoftmaxAxes":        TestSoftmaxAxes,
		"SoftmaxNaN":         TestSoftmaxNaNAndErrors,
		"BinaryLayouts":      TestBinaryLayouts,
		"UnaryKnown":         TestUnaryKnown,
		"UnaryLayouts":       TestUnaryLayouts,
		"SumToBroadcast":     TestSumToInvertsBroadcast,
		"SumPrecision":       TestSumPrecision,
		"MaxWithNaN":         TestMaxWithNaN,
		"MatMulKnown":        TestMatMulKnown,
		"MatMulLayouts":      TestMatMulLayouts,
		"MatMulTLayouts":     TestMatMulTLayouts,
		"MatMulNaN":          TestMatMulNaNPropagates,
		"InPlace":            TestInPlace,
	}
	for _, tier := range asm.SupportedTiers() {
		t.Run(tier.String(), func(t *testing.T) {
			restore := asm.SetTier(tier)
			defer restore()
			for name, test := range tests {
				t.Run(name, test)
			}
		})
	}
}
