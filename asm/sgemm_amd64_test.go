//go:build !purego

package asm

func init() {
	lowerSgemmParallelMin = func() (restore func()) {
		old := sgemmParallelMin
		sgemmParallelMin = 1 << 16
		return func() { sgemmParallelMin = old }
	}
}
