package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// same reports whether a and b are the same float32, treating every NaN as
// equal to every other NaN and telling -0 from +0.
func same(a, b float32) bool {
	if a != a && b != b {
		return true
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// ulps returns how many representable float32 values lie between a and b,
// 0 when both are NaN and a large number when only one is.
func ulps(a, b float32) uint32 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.MaxUint32
	}
	ia, ib := ordered(a), ordered(b)
	if ia > ib {
		return uint32(ia - ib)
	}
	return uint32(ib - ia)
}

// ordered maps a float32 to an integer that increases with its value, so
// neighbouring floats differ by one (and -0 equals +0).
func ordered(f float32) int64 {
	b := int64(math.Float32bits(f))
	if b&(1<<31) != 0 {
		return -(b &^ (1 << 31))
	}
	return b
}

// guardLen is the number of sentinel elements on each side of a tested
// output slice.
const guardLen = 32

// sentinel is a NaN with a payload no kernel produces, so a stray write is
// visible even when it writes another NaN.
var sentinel = math.Float32frombits(0x7fa0beef)

// guarded is an output slice with sentinel regions before and after it and
// a configurable misalignment relative to a 64-byte boundary.
type guarded struct {
	buf []float32
	lo  int
	s   []float32
}

func newGuarded(n, offset int) *guarded {
	buf := make([]float32, n+offset+2*guardLen+16)
	for i := range buf {
		buf[i] = sentinel
	}
	// Start from a 64-byte boundary so offset is the misalignment the
	// kernel gets, whatever alignment the allocator happened to give.
	base := guardLen
	for uintptr(unsafe.Pointer(&buf[base]))%64 != 0 {
		base++
	}
	lo := base + offset
	return &guarded{buf: buf, lo: lo, s: buf[lo : lo+n : lo+n]}
}

// resize makes the output the first n elements of the guarded region and
// restores the sentinels everywhere else.
func (g *guarded) resize(n int) []float32 {
	for i := range g.s {
		g.s[i] = sentinel
	}
	g.s = g.buf[g.lo : g.lo+n : g.lo+n]
	return g.s
}

// check reports every sentinel outside s that a kernel overwrote.
func (g *guarded) check(t *testing.T, what string) {
	t.Helper()
	// Everything before the output, and past it up to four AVX-512
	// vectors: a tail bug writes within one vector of the end. Every
	// 64th length scans the whole buffer.
	end := min(len(g.buf), g.lo+len(g.s)+64)
	if len(g.s)%64 == 0 {
		end = len(g.buf)
	}
	for i, v := range g.buf[:end] {
		if i >= g.lo && i < g.lo+len(g.s) {
			continue
		}
		if math.Float32bits(v) != math.Float32bits(sentinel) {
			t.Fatalf("%s: wrote %v at offset %d outside the output [%d, %d)", what, v, i-g.lo, 0, len(g.s))
		}
	}
}

// specials are the values every kernel must handle as the plain loop does.
var specials = []float32{
	float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
	0, float32(math.Copysign(0, -1)), 1, -1,
	math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
	math.MaxFloat32, -math.MaxFloat32, 1e-40, -3e-39,
}

// fillMixed fills x with values in [-scale, scale] and, one time in eight,
// a special value.
func fillMixed(r *rand.Rand, x []float32, scale float32) {
	for i := range x {
		if r.IntN(8) == 0 {
			x[i] = specials[r.IntN(len(specials))]
		} else {
			x[i] = (2*r.Float32() - 1) * scale
		}
	}
}

// fillUniform fills x with values in [-scale, scale].
func fillUniform(r *rand.Rand, x []float32, scale float32) {
	for i := range x {
		x[i] = (2*r.Float32() - 1) * scale
	}
}

// forEachTier runs f once per tier this CPU supports, with the exported
// kernels switched to that tier.
func forEachTier(t *testing.T, f func(t *testing.T, tier Tier)) {
	for _, tier := range SupportedTiers() {
		t.Run(tier.String(), func(t *testing.T) {
			defer SetTier(tier)()
			f(t, tier)
		})
	}
}

// sweep returns the lengths and alignment offsets the kernel tests cover:
// every length 0..2048 and offset 0..15, trimmed under -short and -race.
func sweep() (lengths, offsets []int) {
	if testing.Short() || raceEnabled {
		return trimmedSweep()
	}
	for n := 0; n <= 2048; n++ {
		lengths = append(lengths, n)
	}
	for o := 0; o < 16; o++ {
		offsets = append(offsets, o)
	}
	return lengths, offsets
}

// trimmedSweep covers every tail length of both vector widths and a few
// long lengths, at four alignment offsets.
func trimmedSweep() (lengths, offsets []int) {
	for n := 0; n <= 70; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 127, 128, 129, 255, 256, 257, 1000, 2047, 2048)
	return lengths, []int{0, 1, 7, 15}
}

// sweepFor returns the sweep for tier: the full one for the SIMD tiers and
// the trimmed one for the generic tier, whose kernels are the references
// themselves.
func sweepFor(tier Tier) (lengths, offsets []int) {
	if tier == TierGeneric {
		return trimmedSweep()
	}
	return sweep()
}

func describe(name string, n, off int) string { return fmt.Sprintf("%s n=%d offset=%d", name, n, off) }
