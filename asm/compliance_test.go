package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// This file is the compliance suite: every tier the CPU supports runs the
// same checks against the plain-Go references, so a new tier passes by
// passing this file.

// ewCase is one elementwise kernel under test. run calls the exported
// kernel and ref the reference; both write dst and read x, y and s. For
// in-place kernels dst arrives holding the value it updates.
type ewCase struct {
	name    string
	inputs  int  // 1: x only, 2: x and y
	inPlace bool // dst is also read (ScalUnitary, AxpyUnitary)
	maxULP  uint32
	expIn   bool // draw x from the range where exp is finite and nonzero
	run     func(dst, x, y []float32, s float32)
	ref     func(dst, x, y []float32, s float32)
}

var ewCases = []ewCase{
	{name: "AddTo", inputs: 2, run: func(d, x, y []float32, _ float32) { AddTo(d, x, y) }, ref: func(d, x, y []float32, _ float32) { AddToGeneric(d, x, y) }},
	{name: "SubTo", inputs: 2, run: func(d, x, y []float32, _ float32) { SubTo(d, x, y) }, ref: func(d, x, y []float32, _ float32) { SubToGeneric(d, x, y) }},
	{name: "MulTo", inputs: 2, run: func(d, x, y []float32, _ float32) { MulTo(d, x, y) }, ref: func(d, x, y []float32, _ float32) { MulToGeneric(d, x, y) }},
	{name: "DivTo", inputs: 2, run: func(d, x, y []float32, _ float32) { DivTo(d, x, y) }, ref: func(d, x, y []float32, _ float32) { DivToGeneric(d, x, y) }},
	{name: "AddScalarTo", inputs: 1, run: func(d, x, _ []float32, s float32) { AddScalarTo(d, x, s) }, ref: func(d, x, _ []float32, s float32) { AddScalarToGeneric(d, x, s) }},
	{name: "SubScalarTo", inputs: 1, run: func(d, x, _ []float32, s float32) { SubScalarTo(d, x, s) }, ref: func(d, x, _ []float32, s float32) { SubScalarToGeneric(d, x, s) }},
	{name: "ScalarSubTo", inputs: 1, run: func(d, x, _ []float32, s float32) { ScalarSubTo(d, s, x) }, ref: func(d, x, _ []float32, s float32) { ScalarSubToGeneric(d, s, x) }},
	{name: "MulScalarTo", inputs: 1, run: func(d, x, _ []float32, s float32) { MulScalarTo(d, x, s) }, ref: func(d, x, _ []float32, s float32) { MulScalarToGeneric(d, x, s) }},
	{name: "DivScalarTo", inputs: 1, run: func(d, x, _ []float32, s float32) { DivScalarTo(d, x, s) }, ref: func(d, x, _ []float32, s float32) { DivScalarToGeneric(d, x, s) }},
	{name: "ScalarDivTo", inputs: 1, run: func(d, x, _ []float32, s float32) { ScalarDivTo(d, s, x) }, ref: func(d, x, _ []float32, s float32) { ScalarDivToGeneric(d, s, x) }},
	{name: "ScalUnitary", inputs: 0, inPlace: true, run: func(d, _, _ []float32, s float32) { ScalUnitary(s, d) }, ref: func(d, _, _ []float32, s float32) { ScalUnitaryGeneric(s, d) }},
	{name: "AxpyUnitary", inputs: 1, inPlace: true, run: func(d, x, _ []float32, s float32) { AxpyUnitary(s, x, d) }, ref: func(d, x, _ []float32, s float32) { AxpyUnitaryGeneric(s, x, d) }},
	{name: "ReluTo", inputs: 1, run: func(d, x, _ []float32, _ float32) { ReluTo(d, x) }, ref: func(d, x, _ []float32, _ float32) { ReluToGeneric(d, x) }},
	{name: "ReluBackwardTo", inputs: 2, run: func(d, x, y []float32, _ float32) { ReluBackwardTo(d, x, y) }, ref: func(d, x, y []float32, _ float32) { ReluBackwardToGeneric(d, x, y) }},
	{name: "ExpTo", inputs: 1, maxULP: expMaxULP, expIn: true, run: func(d, x, _ []float32, _ float32) { ExpTo(d, x) }, ref: func(d, x, _ []float32, _ float32) { ExpToGeneric(d, x) }},
}

// expMaxULP is the stated accuracy of the vector exp against
// float32(math.Exp(float64(x))).
const expMaxULP = 2

func TestElementwiseKernels(t *testing.T) {
	forEachTier(t, func(t *testing.T, tier Tier) {
		lengths, offsets := sweepFor(tier)
		maxN := lengths[len(lengths)-1]
		for _, c := range ewCases {
			t.Run(c.name, func(t *testing.T) {
				sweepEW(t, c, lengths, offsets, maxN)
			})
		}
	})
}

// sweepEW runs kernel c on every length and alignment offset. Elementwise
// results do not depend on position, so one reference over maxN elements
// per offset serves every length.
func sweepEW(t *testing.T, c ewCase, lengths, offsets []int, maxN int) {
	r := rand.New(rand.NewPCG(1, uint64(len(c.name))))
	scalars := append([]float32{1.5, -0.25, 3}, specials...)
	bigX := make([]float32, maxN+16)
	bigY := make([]float32, maxN+16)
	d0 := make([]float32, maxN)
	want := make([]float32, maxN)
	alias := make([]float32, maxN)
	for _, off := range offsets {
		if c.expIn {
			fillExpInput(r, bigX)
		} else {
			fillMixed(r, bigX, 4)
		}
		fillMixed(r, bigY, 4)
		fillMixed(r, d0, 4)
		s := scalars[off%len(scalars)]
		// Misalign the inputs too, each differently from the output.
		x, y := bigX[(off+3)%16:][:maxN], bigY[(off+9)%16:][:maxN]
		xc, yc := append([]float32(nil), x...), append([]float32(nil), y...)
		copy(want, d0)
		c.ref(want, x, y, s)

		g := newGuarded(maxN, off)
		for _, n := range lengths {
			out := g.resize(n)
			copy(out, d0[:n])
			c.run(out, x[:n], y[:n], s)
			what := describe(c.name, n, off)
			g.check(t, what)
			compareEW(t, what, c, out, want[:n], x, y, s)

			if c.inputs >= 1 && !c.inPlace {
				d := alias[:n]
				copy(d, x[:n])
				c.run(d, d, y[:n], s)
				compareEW(t, what+" dst=x", c, d, want[:n], x, y, s)
			}
			if c.inputs == 2 {
				d := alias[:n]
				copy(d, y[:n])
				c.run(d, x[:n], d, s)
				compareEW(t, what+" dst=y", c, d, want[:n], x, y, s)
			}
		}
		if !equalBits(x, xc) || !equalBits(y, yc) {
			t.Fatalf("%s offset=%d: an input changed", c.name, off)
		}
	}
}

func compareEW(t *testing.T, what string, c ewCase, got, want, x, y []float32, s float32) {
	t.Helper()
	for i := range got {
		ok := same(got[i], want[i])
		if c.maxULP > 0 {
			ok = ulps(got[i], want[i]) <= c.maxULP
		}
		if !ok {
			xi, yi := float32(0), float32(0)
			if i < len(x) {
				xi = x[i]
			}
			if i < len(y) {
				yi = y[i]
			}
			t.Fatalf("%s: element %d = %v (bits %#x), want %v (bits %#x); x=%v y=%v s=%v",
				what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]), xi, yi, s)
		}
	}
}

func equalBits(a, b []float32) bool {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// fillExpInput draws x from [-110, 95], which spans exp's subnormal results
// and its overflow, plus the special values.
func fillExpInput(r *rand.Rand, x []float32) {
	for i := range x {
		if r.IntN(8) == 0 {
			x[i] = specials[r.IntN(len(specials))]
		} else {
			x[i] = -110 + 205*r.Float32()
		}
	}
}

// TestExpAccuracy walks a regular grid of float32 bit patterns across the
// whole range and states the worst error of each tier's exp.
func TestExpAccuracy(t *testing.T) {
	step := uint32(4099)
	if testing.Short() || raceEnabled {
		step = 65537
	}
	var x []float32
	for b := uint64(0); b < 1<<32; b += uint64(step) {
		x = append(x, math.Float32frombits(uint32(b)))
	}
	want := make([]float32, len(x))
	ExpToGeneric(want, x)
	forEachTier(t, func(t *testing.T, tier Tier) {
		got := make([]float32, len(x))
		ExpTo(got, x)
		var worst uint32
		at := 0
		for i := range got {
			if u := ulps(got[i], want[i]); u > worst {
				worst, at = u, i
			}
		}
		if worst > expMaxULP {
			t.Fatalf("exp(%v) = %v, want %v: %d ULP apart, bound %d", x[at], got[at], want[at], worst, expMaxULP)
		}
		t.Logf("worst error %d ULP over %d inputs", worst, len(x))
	})
}

func TestReductions(t *testing.T) {
	forEachTier(t, func(t *testing.T, tier Tier) {
		lengths, offsets := sweepFor(tier)
		maxN := lengths[len(lengths)-1]
		r := rand.New(rand.NewPCG(2, 3))
		for _, off := range offsets {
			gx, gy := newGuarded(maxN, off), newGuarded(maxN, (off+5)%16)
			fillUniform(r, gx.s, 2)
			fillUniform(r, gy.s, 2)
			// A few specials, at positions that longer prefixes include.
			for i := 0; i < 3; i++ {
				gx.s[r.IntN(maxN)] = reductionSpecials[r.IntN(len(reductionSpecials))]
			}
			x, y := gx.s, gy.s
			// Prefix references: a reduction of x[:n] for every n at once.
			exact := make([]float64, maxN+1)
			mag := make([]float64, maxN+1)
			sum := make([]float64, maxN+1)
			for i := 0; i < maxN; i++ {
				p := float64(x[i]) * float64(y[i])
				exact[i+1] = exact[i] + p
				mag[i+1] = mag[i] + math.Abs(p)
				sum[i+1] = sum[i] + float64(x[i])
			}
			for _, n := range lengths {
				what := describe("", n, off)
				got := DotUnitary(x[:n], y[:n])
				checkBound(t, "DotUnitary"+what, got, exact[n], 2*float64(n+1)*0x1p-24*mag[n])
				checkSum(t, "Sum"+what, Sum(x[:n]), float32(sum[n]))
				if n%5 == 0 || n < 70 {
					// MaxGeneric is cheap, but not free at every n.
					checkMax(t, "Max"+what, x[:n])
				}
			}
			gx.check(t, "reductions")
			gy.check(t, "reductions")
		}
	})
}

// reductionSpecials leaves out ±MaxFloat32 from specials: a sum near the
// overflow threshold overflows in some orders and not in others, so no
// order-independent bound applies to it.
var reductionSpecials = []float32{
	float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
	0, float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, -3e-39,
}

// checkSum compares Sum with the float64 loop of SumGeneric: float64
// partial sums in any order round to within one float32 ULP of it for
// these inputs.
func checkSum(t *testing.T, what string, got, want float32) {
	t.Helper()
	if got != got || want != want || math.IsInf(float64(want), 0) {
		if !same(got, want) {
			t.Fatalf("%s = %v, want %v", what, got, want)
		}
		return
	}
	if u := ulps(got, want); u > 1 {
		t.Fatalf("%s = %v, want %v: %d ULP apart, bound 1", what, got, want, u)
	}
}

// checkMax requires Max to return exactly what MaxGeneric returns, first
// NaN and sign of zero included.
func checkMax(t *testing.T, what string, x []float32) {
	t.Helper()
	got, want := Max(x), MaxGeneric(x)
	if math.Float32bits(got) != math.Float32bits(want) {
		t.Fatalf("%s = %v (bits %#x), want %v (bits %#x)", what, got, math.Float32bits(got), want, math.Float32bits(want))
	}
}

// checkBound fails unless got is within bound of exact, treating NaN and
// infinities as exact classes.
func checkBound(t *testing.T, what string, got float32, exact, bound float64) {
	t.Helper()
	if math.IsNaN(exact) || math.IsInf(exact, 0) {
		if !same(got, float32(exact)) {
			t.Fatalf("%s = %v, want %v", what, got, exact)
		}
		return
	}
	if d := math.Abs(float64(got) - exact); d > bound+1e-38 {
		t.Fatalf("%s = %v, want %v within %g (off by %g)", what, got, exact, bound, d)
	}
}

func TestMaxZeroSignAndNaN(t *testing.T) {
	nan := float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	negInf := float32(math.Inf(-1))
	cases := []struct {
		name string
		x    []float32
	}{
		{"empty", nil},
		{"negZeroFirst", []float32{-1, negZero, 0, -2}},
		{"posZeroFirst", append(make([]float32, 40), negZero)},
		{"allNegInf", []float32{negInf, negInf, negInf}},
		{"nanLate", append(make([]float32, 37), 5, nan)},
		{"payloadNaN", []float32{1, math.Float32frombits(0x7fc01234), nan}},
	}
	forEachTier(t, func(t *testing.T, tier Tier) {
		for _, c := range cases {
			checkMax(t, c.name, c.x)
		}
	})
}

func TestSoftmaxRows(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 5))
	negInf, inf, nan := float32(math.Inf(-1)), float32(math.Inf(1)), float32(math.NaN())
	forEachTier(t, func(t *testing.T, tier Tier) {
		for _, shape := range [][2]int{{0, 0}, {0, 5}, {3, 0}, {1, 1}, {2, 7}, {4, 16}, {5, 33}, {3, 100}, {2, 1000}, {32, 10}, {7, 129}} {
			rows, cols := shape[0], shape[1]
			x := make([]float32, rows*cols)
			fillUniform(r, x, 30)
			if rows > 1 && cols > 2 {
				x[0] = negInf // one -Inf logit
				for j := 0; j < cols; j++ {
					x[cols+j] = negInf // a row of -Inf: NaN as in the reference
				}
			}
			if rows > 2 && cols > 2 {
				x[2*cols+1] = inf
			}
			if rows > 3 && cols > 2 {
				x[3*cols+2] = nan
			}
			want := make([]float32, len(x))
			SoftmaxRowsGeneric(want, x, rows, cols)
			g := newGuarded(len(x), 3)
			SoftmaxRows(g.s, x, rows, cols)
			g.check(t, "SoftmaxRows")
			// exp contributes expMaxULP; the sum and reciprocal add up
			// to two more.
			for i := range want {
				if u := ulps(g.s[i], want[i]); u > expMaxULP+2 && math.Abs(float64(g.s[i]-want[i])) > 1e-37 {
					t.Fatalf("SoftmaxRows %d×%d: element %d = %v, want %v (%d ULP)", rows, cols, i, g.s[i], want[i], u)
				}
			}
			// dst aliasing x.
			d := append([]float32(nil), x...)
			SoftmaxRows(d, d, rows, cols)
			for i := range want {
				if u := ulps(d[i], want[i]); u > expMaxULP+2 && math.Abs(float64(d[i]-want[i])) > 1e-37 {
					t.Fatalf("SoftmaxRows %d×%d in place: element %d = %v, want %v", rows, cols, i, d[i], want[i])
				}
			}
		}
	})
}

func TestKernelLengthMismatchPanics(t *testing.T) {
	cases := map[string]func(){
		"AddTo":       func() { AddTo(make([]float32, 3), make([]float32, 3), make([]float32, 2)) },
		"MulScalarTo": func() { MulScalarTo(make([]float32, 3), make([]float32, 4), 1) },
		"AxpyUnitary": func() { AxpyUnitary(1, make([]float32, 3), make([]float32, 4)) },
		"DotUnitary":  func() { DotUnitary(make([]float32, 3), make([]float32, 4)) },
		"SoftmaxRows": func() { SoftmaxRows(make([]float32, 6), make([]float32, 6), 2, 4) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if msg == "" {
					t.Fatalf("%s did not panic", name)
				}
				if want := "asm." + name; len(msg) < len(want) || msg[:len(want)] != want {
					t.Fatalf("panic %q does not start with %q", msg, want)
				}
			}()
			f()
		})
	}
}
