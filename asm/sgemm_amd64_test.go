//go:build !purego

package asm

import "testing"

func init() {
	lowerSgemmParallelMin = func() (restore func()) {
		old := sgemmParallelMin
		sgemmParallelMin = 1 << 16
		return func() { sgemmParallelMin = old }
	}
}

func TestSgemmSlicesKeepBlockInBudget(t *testing.T) {
	cases := []struct{ k, kc, nc int }{
		{k: 27, kc: 27, nc: 512},
		{k: 512, kc: 512, nc: 512},
		{k: 1024, kc: 1024, nc: 256},
		{k: 1100, kc: 550, nc: 448},
		{k: 3000, kc: 1000, nc: 256},
	}
	for _, c := range cases {
		kc, nc := sgemmSlices(c.k, 32)
		if kc != c.kc || nc != c.nc {
			t.Errorf("sgemmSlices(%d, 32) = (%d, %d), want (%d, %d)", c.k, kc, nc, c.kc, c.nc)
		}
	}
}
