package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// poolNaN returns a quiet NaN with the given payload, so tests can tell
// which NaN of a window was output.
func poolNaN(payload uint32) float32 {
	return math.Float32frombits(0x7fc00000 | payload&0x3fffff)
}

// poolInputs fills x with values that make ties, signed zeros, infinities
// and NaNs with distinct payloads common, mixed with ordinary numbers.
func poolInputs(rng *rand.Rand, x []float32) {
	negZero := float32(math.Copysign(0, -1))
	special := []float32{
		0, negZero, 1, -1, 2, -2,
		float32(math.Inf(1)), float32(math.Inf(-1)),
		math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32,
	}
	for i := range x {
		switch r := rng.IntN(20); {
		case r < 8:
			x[i] = special[rng.IntN(len(special))]
		case r == 8:
			x[i] = poolNaN(uint32(rng.IntN(1 << 22)))
		case r == 9:
			// A NaN with its sign bit set.
			x[i] = -poolNaN(uint32(rng.IntN(1 << 22)))
		default:
			x[i] = float32(rng.NormFloat64())
		}
	}
}

func TestMaxPool2x2RowsMatchesGeneric(t *testing.T) {
	const guard = 16
	sentinel := poolNaN(0x2bad)
	rng := rand.New(rand.NewPCG(7, 11))
	for _, tier := range SupportedTiers() {
		t.Run(tier.String(), func(t *testing.T) {
			defer SetTier(tier)()
			for n := 0; n <= 512; n++ {
				for off := range 16 {
					// Offsets move the inputs and the output independently
					// off any vector alignment.
					xoff := (off * 7) % 16
					x0buf := make([]float32, xoff+2*n+guard)
					x1buf := make([]float32, xoff+2*n+guard)
					poolInputs(rng, x0buf)
					poolInputs(rng, x1buf)
					x0 := x0buf[xoff : xoff+2*n]
					x1 := x1buf[xoff : xoff+2*n]

					want := make([]float32, n)
					maxPool2x2RowsGeneric(want, x0, x1)

					buf := make([]float32, guard+off+n+guard)
					for i := range buf {
						buf[i] = sentinel
					}
					dst := buf[guard+off : guard+off+n]
					MaxPool2x2Rows(dst, x0, x1)

					for j := range dst {
						if math.Float32bits(dst[j]) != math.Float32bits(want[j]) {
							t.Fatalf("n=%d off=%d: dst[%d] = %#08x, want %#08x (window %v %v %v %v)",
								n, off, j, math.Float32bits(dst[j]), math.Float32bits(want[j]),
								x0[2*j], x0[2*j+1], x1[2*j], x1[2*j+1])
						}
					}
					for i, v := range buf {
						inside := i >= guard+off && i < guard+off+n
						if !inside && math.Float32bits(v) != math.Float32bits(sentinel) {
							t.Fatalf("n=%d off=%d: wrote %v at %d outside dst [%d, %d)",
								n, off, v, i, guard+off, guard+off+n)
						}
					}
				}
			}
		})
	}
}

// TestMaxPool2x2RowsKnownAnswers checks windows whose result follows from
// the documented rules alone, without the generic kernel.
func TestMaxPool2x2RowsKnownAnswers(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	inf := float32(math.Inf(1))
	nan1, nan2 := poolNaN(1), poolNaN(2)
	cases := []struct {
		name       string
		a, b, c, d float32 // x0[0], x0[1], x1[0], x1[1]
		want       float32
	}{
		{"max in each position a", 4, 1, 2, 3, 4},
		{"max in b", 1, 4, 2, 3, 4},
		{"max in c", 1, 2, 4, 3, 4},
		{"max in d", 1, 2, 3, 4, 4},
		{"all negative", -4, -1, -2, -3, -1},
		{"-0 before +0", negZero, 0, -1, -1, negZero},
		{"+0 before -0", 0, negZero, -1, -1, 0},
		{"-0 in c before +0 in d", -1, -2, negZero, 0, negZero},
		{"+inf wins", 1, inf, 3, 2, inf},
		{"-inf loses", float32(math.Inf(-1)), -3, -2, -5, -2},
		{"NaN in a wins", nan1, inf, 1, 2, nan1},
		{"NaN in d wins", inf, 1, 2, nan1, nan1},
		{"first NaN of two", 1, nan2, nan1, 3, nan2},
		{"first NaN in row-major order", nan2, 0, 0, nan1, nan2},
		{"negative NaN wins", 5, -nan1, 6, 7, -nan1},
	}
	for _, tier := range SupportedTiers() {
		defer SetTier(tier)()
		for _, tc := range cases {
			// Repeating the window in every position of a full vector and of
			// a tail catches a lane the kernel handles differently.
			for _, n := range []int{1, 7, 8, 16, 17, 33} {
				x0 := make([]float32, 2*n)
				x1 := make([]float32, 2*n)
				for j := range n {
					x0[2*j], x0[2*j+1], x1[2*j], x1[2*j+1] = tc.a, tc.b, tc.c, tc.d
				}
				dst := make([]float32, n)
				MaxPool2x2Rows(dst, x0, x1)
				for j, v := range dst {
					if math.Float32bits(v) != math.Float32bits(tc.want) {
						t.Errorf("%v %s n=%d: dst[%d] = %v (%#08x), want %v (%#08x)",
							tier, tc.name, n, j, v, math.Float32bits(v), tc.want, math.Float32bits(tc.want))
						break
					}
				}
			}
		}
	}
}

func TestMaxPool2x2RowsLengthMismatchPanics(t *testing.T) {
	cases := []struct {
		name        string
		dst, x0, x1 int
	}{
		{"x0 short", 4, 7, 8},
		{"x1 long", 4, 8, 9},
		{"dst long", 5, 8, 8},
		{"empty dst with input", 0, 2, 2},
	}
	for _, fn := range []struct {
		name string
		f    func(dst, x0, x1 []float32)
	}{{"MaxPool2x2Rows", MaxPool2x2Rows}, {"MaxPool2x2RowsGeneric", MaxPool2x2RowsGeneric}} {
		for _, tc := range cases {
			t.Run(fn.name+"/"+tc.name, func(t *testing.T) {
				defer func() {
					msg := fmt.Sprint(recover())
					if !strings.Contains(msg, fn.name) || !strings.Contains(msg, "length mismatch") {
						t.Errorf("panic %q, want one naming %s and the length mismatch", msg, fn.name)
					}
				}()
				fn.f(make([]float32, tc.dst), make([]float32, tc.x0), make([]float32, tc.x1))
			})
		}
	}
}

func BenchmarkMaxPool2x2Rows(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tier := range SupportedTiers() {
		for _, n := range []int{13, 15, 256} {
			x0 := make([]float32, 2*n)
			x1 := make([]float32, 2*n)
			for i := range x0 {
				x0[i], x1[i] = rng.Float32(), rng.Float32()
			}
			dst := make([]float32, n)
			b.Run(fmt.Sprintf("%v/n=%d", tier, n), func(b *testing.B) {
				defer SetTier(tier)()
				b.SetBytes(int64(4 * 5 * n))
				for b.Loop() {
					MaxPool2x2Rows(dst, x0, x1)
				}
			})
		}
	}
}

func TestMaxPool2x2RowsIndexMatchesGeneric(t *testing.T) {
	const guard = 16
	sentinel := poolNaN(0x2bad)
	const idxSentinel = int32(-7)
	rng := rand.New(rand.NewPCG(8, 12))
	kernels := []struct {
		name string
		f    func(dst []float32, idx []int32, x0, x1 []float32, pos0, pos1 int32)
	}{{"keys", maxPool2x2RowsIndexKeys}}
	for _, tier := range SupportedTiers() {
		kernels = append(kernels, struct {
			name string
			f    func(dst []float32, idx []int32, x0, x1 []float32, pos0, pos1 int32)
		}{tier.String(), func(dst []float32, idx []int32, x0, x1 []float32, pos0, pos1 int32) {
			defer SetTier(tier)()
			MaxPool2x2RowsIndex(dst, idx, x0, x1, pos0, pos1)
		}})
	}
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			for n := 0; n <= 512; n++ {
				for off := range 16 {
					xoff := (off * 5) % 16
					x0buf := make([]float32, xoff+2*n+guard)
					x1buf := make([]float32, xoff+2*n+guard)
					poolInputs(rng, x0buf)
					poolInputs(rng, x1buf)
					x0 := x0buf[xoff : xoff+2*n]
					x1 := x1buf[xoff : xoff+2*n]
					pos0 := int32(rng.IntN(1 << 20))
					pos1 := pos0 + int32(2*n+rng.IntN(3))

					want := make([]float32, n)
					wantIdx := make([]int32, n)
					maxPool2x2RowsIndexGeneric(want, wantIdx, x0, x1, pos0, pos1)

					buf := make([]float32, guard+off+n+guard)
					idxBuf := make([]int32, guard+off+n+guard)
					for i := range buf {
						buf[i] = sentinel
						idxBuf[i] = idxSentinel
					}
					dst := buf[guard+off : guard+off+n]
					idx := idxBuf[guard+off : guard+off+n]
					k.f(dst, idx, x0, x1, pos0, pos1)

					for j := range dst {
						if math.Float32bits(dst[j]) != math.Float32bits(want[j]) {
							t.Fatalf("n=%d off=%d: dst[%d] = %#08x, want %#08x (window %v %v %v %v)",
								n, off, j, math.Float32bits(dst[j]), math.Float32bits(want[j]),
								x0[2*j], x0[2*j+1], x1[2*j], x1[2*j+1])
						}
						if idx[j] != wantIdx[j] {
							t.Fatalf("n=%d off=%d pos0=%d pos1=%d: idx[%d] = %d, want %d (window %v %v %v %v)",
								n, off, pos0, pos1, j, idx[j], wantIdx[j],
								x0[2*j], x0[2*j+1], x1[2*j], x1[2*j+1])
						}
					}
					for i := range buf {
						if i >= guard+off && i < guard+off+n {
							continue
						}
						if math.Float32bits(buf[i]) != math.Float32bits(sentinel) {
							t.Fatalf("n=%d off=%d: wrote dst value %v at %d outside [%d, %d)",
								n, off, buf[i], i, guard+off, guard+off+n)
						}
						if idxBuf[i] != idxSentinel {
							t.Fatalf("n=%d off=%d: wrote idx value %d at %d outside [%d, %d)",
								n, off, idxBuf[i], i, guard+off, guard+off+n)
						}
					}
				}
			}
		})
	}
}

// TestMaxPool2x2RowsIndexKnownAnswers checks winners that follow from the
// documented rules alone, with x0 at position 100 and x1 at 200.
func TestMaxPool2x2RowsIndexKnownAnswers(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	inf := float32(math.Inf(1))
	nan1, nan2 := poolNaN(1), poolNaN(2)
	cases := []struct {
		name       string
		a, b, c, d float32 // x0[0], x0[1], x1[0], x1[1]
		want       float32
		wantPos    int32 // position of the winner for window 0
	}{
		{"max in a", 4, 1, 2, 3, 4, 100},
		{"max in b", 1, 4, 2, 3, 4, 101},
		{"max in c", 1, 2, 4, 3, 4, 200},
		{"max in d", 1, 2, 3, 4, 4, 201},
		{"all equal", 5, 5, 5, 5, 5, 100},
		{"tie of b and c", 1, 3, 3, 2, 3, 101},
		{"-0 before +0", negZero, 0, -1, -1, negZero, 100},
		{"+0 in b before -0 in c", -1, 0, negZero, -2, 0, 101},
		{"+inf in c", 1, 2, inf, 3, inf, 200},
		{"NaN in a beats +inf", nan1, inf, 1, 2, nan1, 100},
		{"NaN in d", inf, 1, 2, nan1, nan1, 201},
		{"first NaN of two", 1, nan2, nan1, 3, nan2, 101},
		{"NaN in c before NaN in d", 1, 2, nan2, nan1, nan2, 200},
	}
	for _, tier := range SupportedTiers() {
		defer SetTier(tier)()
		for _, tc := range cases {
			for _, n := range []int{1, 7, 8, 16, 17, 33} {
				x0 := make([]float32, 2*n)
				x1 := make([]float32, 2*n)
				for j := range n {
					x0[2*j], x0[2*j+1], x1[2*j], x1[2*j+1] = tc.a, tc.b, tc.c, tc.d
				}
				dst := make([]float32, n)
				idx := make([]int32, n)
				MaxPool2x2RowsIndex(dst, idx, x0, x1, 100, 200)
				for j := range dst {
					if math.Float32bits(dst[j]) != math.Float32bits(tc.want) {
						t.Errorf("%v %s n=%d: dst[%d] = %v, want %v", tier, tc.name, n, j, dst[j], tc.want)
						break
					}
					if want := tc.wantPos + int32(2*j); idx[j] != want {
						t.Errorf("%v %s n=%d: idx[%d] = %d, want %d", tier, tc.name, n, j, idx[j], want)
						break
					}
				}
			}
		}
	}
}

func TestMaxPool2x2RowsIndexLengthMismatchPanics(t *testing.T) {
	cases := []struct {
		name             string
		dst, idx, x0, x1 int
		wantInMessage    string
	}{
		{"idx short", 4, 3, 8, 8, "idx 3"},
		{"idx long", 4, 5, 8, 8, "idx 5"},
		{"x0 short", 4, 4, 7, 8, "x0 7"},
		{"x1 long", 4, 4, 8, 9, "x1 9"},
	}
	for _, fn := range []struct {
		name string
		f    func(dst []float32, idx []int32, x0, x1 []float32, pos0, pos1 int32)
	}{{"MaxPool2x2RowsIndex", MaxPool2x2RowsIndex}, {"MaxPool2x2RowsIndexGeneric", MaxPool2x2RowsIndexGeneric}} {
		for _, tc := range cases {
			t.Run(fn.name+"/"+tc.name, func(t *testing.T) {
				defer func() {
					msg := fmt.Sprint(recover())
					if !strings.Contains(msg, "asm."+fn.name+":") || !strings.Contains(msg, tc.wantInMessage) {
						t.Errorf("panic %q, want one naming %s and %q", msg, fn.name, tc.wantInMessage)
					}
				}()
				fn.f(make([]float32, tc.dst), make([]int32, tc.idx), make([]float32, tc.x0), make([]float32, tc.x1), 0, 0)
			})
		}
	}
}

func BenchmarkMaxPool2x2RowsIndex(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tier := range SupportedTiers() {
		for _, n := range []int{13, 15, 256} {
			x0 := make([]float32, 2*n)
			x1 := make([]float32, 2*n)
			for i := range x0 {
				x0[i], x1[i] = rng.Float32(), rng.Float32()
			}
			dst := make([]float32, n)
			idx := make([]int32, n)
			b.Run(fmt.Sprintf("%v/n=%d", tier, n), func(b *testing.B) {
				defer SetTier(tier)()
				b.SetBytes(int64(4 * 6 * n))
				for b.Loop() {
					MaxPool2x2RowsIndex(dst, idx, x0, x1, 0, int32(2*n))
				}
			})
		}
	}
}

func TestMaxPool2x2PlaneMatchesGeneric(t *testing.T) {
	const guard = 16
	sentinel := poolNaN(0x2bad)
	rng := rand.New(rand.NewPCG(9, 13))
	for _, tier := range SupportedTiers() {
		t.Run(tier.String(), func(t *testing.T) {
			defer SetTier(tier)()
			for h := 0; h <= 7; h++ {
				for w := 0; w <= 70; w++ {
					off := rng.IntN(16)
					srcBuf := make([]float32, off+h*w+guard)
					poolInputs(rng, srcBuf)
					src := srcBuf[off : off+h*w]
					n := (h / 2) * (w / 2)

					want := make([]float32, n)
					MaxPool2x2PlaneGeneric(want, src, h, w)
					// The reference itself must agree with pooling row by row.
					for r := range h / 2 {
						row := make([]float32, w/2)
						maxPool2x2RowsGeneric(row, src[2*r*w:2*r*w+2*(w/2)], src[(2*r+1)*w:(2*r+1)*w+2*(w/2)])
						for j := range row {
							if math.Float32bits(row[j]) != math.Float32bits(want[r*(w/2)+j]) {
								t.Fatalf("%d×%d: generic plane output (%d, %d) differs from its row", h, w, r, j)
							}
						}
					}

					buf := make([]float32, guard+off+n+guard)
					for i := range buf {
						buf[i] = sentinel
					}
					dst := buf[guard+off : guard+off+n]
					MaxPool2x2Plane(dst, src, h, w)
					for i := range dst {
						if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%d×%d: dst[%d] = %#08x, want %#08x", h, w, i,
								math.Float32bits(dst[i]), math.Float32bits(want[i]))
						}
					}
					for i, v := range buf {
						inside := i >= guard+off && i < guard+off+n
						if !inside && math.Float32bits(v) != math.Float32bits(sentinel) {
							t.Fatalf("%d×%d: wrote %v at %d outside dst [%d, %d)", h, w, v, i, guard+off, guard+off+n)
						}
					}
				}
			}
		})
	}
}

func TestMaxPool2x2PlaneBadSizePanics(t *testing.T) {
	cases := []struct {
		name        string
		dst, src    int
		h, w        int
		wantMessage string
	}{
		{"src short", 4, 15, 4, 4, "src 15"},
		{"dst short", 3, 16, 4, 4, "dst 3"},
		{"odd size dst long", 5, 25, 5, 5, "dst 5"},
		{"negative height", 0, 0, -2, 4, "negative plane size"},
	}
	for _, fn := range []struct {
		name string
		f    func(dst, src []float32, h, w int)
	}{{"MaxPool2x2Plane", MaxPool2x2Plane}, {"MaxPool2x2PlaneGeneric", MaxPool2x2PlaneGeneric}} {
		for _, tc := range cases {
			t.Run(fn.name+"/"+tc.name, func(t *testing.T) {
				defer func() {
					msg := fmt.Sprint(recover())
					if !strings.Contains(msg, "asm."+fn.name+":") || !strings.Contains(msg, tc.wantMessage) {
						t.Errorf("panic %q, want one naming %s and %q", msg, fn.name, tc.wantMessage)
					}
				}()
				fn.f(make([]float32, tc.dst), make([]float32, tc.src), tc.h, tc.w)
			})
		}
	}
}

func TestMaxPool2x2PlaneIndexMatchesGeneric(t *testing.T) {
	const guard = 16
	sentinel := poolNaN(0x2bad)
	const idxSentinel = int32(-7)
	rng := rand.New(rand.NewPCG(10, 14))
	for _, tier := range SupportedTiers() {
		t.Run(tier.String(), func(t *testing.T) {
			defer SetTier(tier)()
			for h := 0; h <= 7; h++ {
				for w := 0; w <= 70; w++ {
					off := rng.IntN(16)
					srcBuf := make([]float32, off+h*w+guard)
					poolInputs(rng, srcBuf)
					src := srcBuf[off : off+h*w]
					n := (h / 2) * (w / 2)

					want := make([]float32, n)
					wantIdx := make([]int32, n)
					MaxPool2x2PlaneIndexGeneric(want, wantIdx, src, h, w)
					for i, at := range wantIdx {
						if math.Float32bits(src[at]) != math.Float32bits(want[i]) {
							t.Fatalf("%d×%d: generic output %d is not src[idx[%d]]", h, w, i, i)
						}
					}

					buf := make([]float32, guard+off+n+guard)
					idxBuf := make([]int32, guard+off+n+guard)
					for i := range buf {
						buf[i] = sentinel
						idxBuf[i] = idxSentinel
					}
					dst := buf[guard+off : guard+off+n]
					idx := idxBuf[guard+off : guard+off+n]
					MaxPool2x2PlaneIndex(dst, idx, src, h, w)
					for i := range dst {
						if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%d×%d: dst[%d] = %#08x, want %#08x", h, w, i,
								math.Float32bits(dst[i]), math.Float32bits(want[i]))
						}
						if idx[i] != wantIdx[i] {
							t.Fatalf("%d×%d: idx[%d] = %d, want %d", h, w, i, idx[i], wantIdx[i])
						}
					}
					for i := range buf {
						if i >= guard+off && i < guard+off+n {
							continue
						}
						if math.Float32bits(buf[i]) != math.Float32bits(sentinel) {
							t.Fatalf("%d×%d: wrote dst value %v at %d outside [%d, %d)", h, w, buf[i], i, guard+off, guard+off+n)
						}
						if idxBuf[i] != idxSentinel {
							t.Fatalf("%d×%d: wrote idx value %d at %d outside [%d, %d)", h, w, idxBuf[i], i, guard+off, guard+off+n)
						}
					}
				}
			}
		})
	}
}

func TestMaxPool2x2PlaneIndexBadSizePanics(t *testing.T) {
	cases := []struct {
		name          string
		dst, idx, src int
		h, w          int
		wantMessage   string
	}{
		{"idx short", 4, 3, 16, 4, 4, "idx 3"},
		{"src long", 4, 4, 17, 4, 4, "src 17"},
		{"negative width", 0, 0, 0, 4, -2, "negative plane size"},
	}
	for _, fn := range []struct {
		name string
		f    func(dst []float32, idx []int32, src []float32, h, w int)
	}{{"MaxPool2x2PlaneIndex", MaxPool2x2PlaneIndex}, {"MaxPool2x2PlaneIndexGeneric", MaxPool2x2PlaneIndexGeneric}} {
		for _, tc := range cases {
			t.Run(fn.name+"/"+tc.name, func(t *testing.T) {
				defer func() {
					msg := fmt.Sprint(recover())
					if !strings.Contains(msg, "asm."+fn.name+":") || !strings.Contains(msg, tc.wantMessage) {
						t.Errorf("panic %q, want one naming %s and %q", msg, fn.name, tc.wantMessage)
					}
				}()
				fn.f(make([]float32, tc.dst), make([]int32, tc.idx), make([]float32, tc.src), tc.h, tc.w)
			})
		}
	}
}
