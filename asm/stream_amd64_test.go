//go:build !purego

package asm

import "testing"

// TestElementwiseStreamingStores runs the elementwise kernels from
// streamMin elements on, where dst is written with streaming stores after
// one masked step up to the first vector-aligned element. AddTo puts dst
// at all 16 float32 positions within a 64-byte line; the other kernels,
// which share the generated loop, at three of them.
func TestElementwiseStreamingStores(t *testing.T) {
	if raceEnabled {
		// The streaming path is assembly only, and the race detector
		// slows the 1 M-element references about tenfold.
		t.Skip("skipped under -race")
	}
	allOffsets := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	for _, tier := range SupportedTiers() {
		if tier == TierGeneric {
			continue
		}
		t.Run(tier.String(), func(t *testing.T) {
			defer SetTier(tier)()
			for _, c := range ewCases {
				lengths := []int{streamMin + 77}
				offsets := []int{0, 5, 15}
				if c.name == "AddTo" && !testing.Short() {
					lengths = []int{streamMin, streamMin + 1, streamMin + 77}
					offsets = allOffsets
				}
				t.Run(c.name, func(t *testing.T) {
					sweepEW(t, c, lengths, offsets, lengths[len(lengths)-1])
				})
			}
		})
	}
}
