package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/heed-ml/heed/asm"
	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/tensor"
)

// poolDistinct returns a tensor of the given shape holding a shuffled
// 0.1, 0.2, ... so that no two elements tie and a ±0.01 step of the
// gradient check cannot change which element wins a window.
func poolDistinct(seed uint64, shape ...int) *tensor.Tensor {
	t := tensor.Zeros(shape...)
	d := t.Data()
	for i := range d {
		d[i] = 0.1 * float32(i+1)
	}
	rng := rand.New(rand.NewPCG(seed, 3))
	rng.Shuffle(len(d), func(i, j int) { d[i], d[j] = d[j], d[i] })
	return t
}

// poolRefOutSize is PyTorch's pooling output size, written out
// independently of the package.
func poolRefOutSize(size, k, s, p, d int, ceil bool) int {
	span := d*(k-1) + 1
	n := float64(size+2*p-span) / float64(s)
	out := int(math.Floor(n)) + 1
	if ceil {
		out = int(math.Ceil(n)) + 1
		if (out-1)*s >= size+p {
			out--
		}
	}
	return out
}

// poolRefMax is a direct max pooling with PyTorch's rules, returning the
// output and, for upstream gradient gy, the input gradient.
func poolRefMax(x *tensor.Tensor, spec nn.Pool2DSpec, gy []float32) (y, dx []float32, oh, ow int) {
	xs := x.Shape()
	n, c, h, w := xs[0], xs[1], xs[2], xs[3]
	s := spec.Stride
	if s == [2]int{} {
		s = spec.Kernel
	}
	d := [2]int{max(spec.Dilation[0], 1), max(spec.Dilation[1], 1)}
	oh = poolRefOutSize(h, spec.Kernel[0], s[0], spec.Padding[0], d[0], spec.CeilMode)
	ow = poolRefOutSize(w, spec.Kernel[1], s[1], spec.Padding[1], d[1], spec.CeilMode)
	xd := x.Data()
	dx = make([]float32, len(xd))
	for p := range n * c {
		for i := range oh {
			for j := range ow {
				best := float32(math.Inf(-1))
				at := -1
				for ki := range spec.Kernel[0] {
					for kj := range spec.Kernel[1] {
						r := i*s[0] - spec.Padding[0] + ki*d[0]
						col := j*s[1] - spec.Padding[1] + kj*d[1]
						if r < 0 || r >= h || col < 0 || col >= w {
							continue
						}
						if v := xd[p*h*w+r*w+col]; at < 0 || v > best {
							best, at = v, p*h*w+r*w+col
						}
					}
				}
				y = append(y, best)
				if gy != nil {
					dx[at] += gy[(p*oh+i)*ow+j]
				}
			}
		}
	}
	return y, dx, oh, ow
}

var poolCases = []struct {
	name  string
	shape []int
	spec  nn.Pool2DSpec
}{
	{"2x2", []int{2, 3, 6, 6}, nn.Pool2DSpec{Kernel: [2]int{2, 2}}},
	{"2x2 odd size", []int{1, 2, 7, 5}, nn.Pool2DSpec{Kernel: [2]int{2, 2}}},
	{"3x3 stride 2 overlapping", []int{2, 2, 7, 8}, nn.Pool2DSpec{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}}},
	{"3x3 stride 1 padded", []int{1, 2, 5, 5}, nn.Pool2DSpec{Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Padding: [2]int{1, 1}}},
	{"ceil mode", []int{1, 2, 5, 7}, nn.Pool2DSpec{Kernel: [2]int{2, 3}, Stride: [2]int{2, 2}, CeilMode: true}},
	{"ceil mode padded", []int{1, 1, 5, 6}, nn.Pool2DSpec{Kernel: [2]int{2, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, CeilMode: true}},
	{"dilation", []int{1, 2, 8, 7}, nn.Pool2DSpec{Kernel: [2]int{2, 3}, Stride: [2]int{1, 2}, Dilation: [2]int{2, 2}, Padding: [2]int{1, 1}}},
	{"rectangular stride", []int{2, 1, 6, 9}, nn.Pool2DSpec{Kernel: [2]int{3, 2}, Stride: [2]int{3, 1}}},
}

func TestMaxPoolMatchesReference(t *testing.T) {
	for _, tc := range poolCases {
		t.Run(tc.name, func(t *testing.T) {
			x := autodiff.Param(poolDistinct(1, tc.shape...))
			y := nn.MaxPool(x, tc.spec)
			gy := convRandTensor(2, y.Shape()...)
			wantY, wantDX, oh, ow := poolRefMax(x.Data(), tc.spec, gy.Data())
			if want := []int{tc.shape[0], tc.shape[1], oh, ow}; !slices.Equal(y.Shape(), want) {
				t.Fatalf("output shape %v, want %v", y.Shape(), want)
			}
			if !slices.Equal(y.Data().Data(), wantY) {
				t.Fatalf("output %v, want %v", y.Data().Data(), wantY)
			}
			y.BackwardWith(gy)
			if !slices.Equal(x.Grad().Data(), wantDX) {
				t.Fatalf("input gradient %v, want %v", x.Grad().Data(), wantDX)
			}
		})
	}
}

func TestMaxPoolGradCheck(t *testing.T) {
	for _, tc := range poolCases {
		t.Run(tc.name, func(t *testing.T) {
			f := func(xs []*autodiff.Value) *autodiff.Value { return nn.MaxPool(xs[0], tc.spec) }
			if err := autodiff.GradCheck(f, []*tensor.Tensor{poolDistinct(4, tc.shape...)}, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Every 2×2 window of this 3×3 image contains the centre 9, so all four
// windows pick it and its gradient is the sum of theirs.
func TestMaxPoolOverlappingWindowsShareMaximum(t *testing.T) {
	x := autodiff.Param(tensor.New([]int{1, 1, 3, 3}, []float32{1, 2, 3, 4, 9, 5, 6, 7, 8}))
	y := nn.MaxPool(x, nn.Pool2DSpec{Kernel: [2]int{2, 2}, Stride: [2]int{1, 1}})
	if got := y.Data().Data(); !slices.Equal(got, []float32{9, 9, 9, 9}) {
		t.Fatalf("output %v, want [9 9 9 9]", got)
	}
	y.BackwardWith(tensor.New([]int{1, 1, 2, 2}, []float32{1, 10, 100, 1000}))
	want := []float32{0, 0, 0, 0, 1111, 0, 0, 0, 0}
	if got := x.Grad().Data(); !slices.Equal(got, want) {
		t.Fatalf("input gradient %v, want %v", got, want)
	}
}

// Within one window, equal maxima send the whole gradient to the first in
// row-major order.
func TestMaxPoolTieGoesToFirst(t *testing.T) {
	cases := []struct {
		in, grad []float32
	}{
		{[]float32{5, 5, 5, 1}, []float32{1, 0, 0, 0}},
		{[]float32{1, 3, 3, 2}, []float32{0, 1, 0, 0}},
		{[]float32{0, 2, 1, 2}, []float32{0, 1, 0, 0}},
		{[]float32{float32(math.Copysign(0, -1)), 0, -1, -2}, []float32{1, 0, 0, 0}},
	}
	for _, tc := range cases {
		x := autodiff.Param(tensor.New([]int{1, 1, 2, 2}, tc.in))
		nn.MaxPool(x, nn.Pool2DSpec{Kernel: [2]int{2, 2}}).Backward()
		if got := x.Grad().Data(); !slices.Equal(got, tc.grad) {
			t.Errorf("window %v: gradient %v, want %v", tc.in, got, tc.grad)
		}
	}
}

func TestMaxPoolSpecialValues(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	// The windows, left to right, hold: only −∞, a NaN top right, a
	// negative NaN first, +∞ and −∞ without NaN, a NaN bottom right, and
	// in ceil mode a sixth window of one column.
	x := tensor.New([]int{1, 1, 2, 11}, []float32{
		-inf, -inf, 1, nan, -nan, -5, inf, -inf, 1, 2, 0,
		-inf, -inf, inf, 2, -inf, -7, 5, -inf, 3, nan, -1,
	})
	wantNaN := []bool{false, true, true, false, true, false}
	wantValue := []float32{-inf, 0, 0, inf, 0, 0}
	wantWinner := [][2]int{{0, 0}, {0, 3}, {0, 4}, {0, 6}, {1, 9}, {0, 10}}
	specs := map[string]nn.Pool2DSpec{
		"unrolled 2x2": {Kernel: [2]int{2, 2}},
		"general":      {Kernel: [2]int{2, 2}, CeilMode: true},
	}
	for name, spec := range specs {
		for _, grad := range []bool{false, true} {
			xv := autodiff.Const(x)
			if grad {
				xv = autodiff.Param(x.Clone())
			}
			y := nn.MaxPool(xv, spec)
			yd := y.Data().Data()
			for w, v := range yd {
				if got := math.IsNaN(float64(v)); got != wantNaN[w] || (!got && v != wantValue[w]) {
					t.Errorf("%s, gradient %v, window %d: %v, want NaN %v or value %v", name, grad, w, v, wantNaN[w], wantValue[w])
				}
			}
			if !grad {
				continue
			}
			y.BackwardWith(tensor.Ones(y.Shape()...))
			dx := xv.Grad()
			for w := range yd {
				r, c := wantWinner[w][0], wantWinner[w][1]
				if dx.At(0, 0, r, c) != 1 {
					t.Errorf("%s, window %d: gradient did not reach the winner at (%d, %d): %v", name, w, r, c, dx.Data())
				}
			}
		}
	}
}

// Output sizes from PyTorch's rule, worked out by hand: in ceil mode a
// window that would start inside the trailing padding is dropped.
func TestPoolCeilModeOutputSize(t *testing.T) {
	cases := []struct {
		size, k, s, p int
		ceil          bool
		want          int
	}{
		{5, 2, 2, 0, false, 2},
		{5, 2, 2, 0, true, 3},  // windows at 0, 2, 4; the last one reads only row 4
		{6, 2, 2, 0, true, 3},  // exact fit: ceil changes nothing
		{5, 2, 2, 1, false, 3}, // windows at −1, 1, 3
		{5, 2, 2, 1, true, 3},  // a fourth window would start at 5, in the padding
		{6, 3, 2, 1, true, 4},  // windows at −1, 1, 3, 5
		{7, 3, 3, 0, true, 3},  // windows at 0, 3, 6
		{4, 3, 3, 1, true, 2},  // windows at −1, 2
		{1, 1, 2, 0, true, 1},
	}
	for _, tc := range cases {
		x := autodiff.Const(tensor.Ones(1, 1, tc.size, tc.size))
		spec := nn.Pool2DSpec{Kernel: [2]int{tc.k, tc.k}, Stride: [2]int{tc.s, tc.s}, Padding: [2]int{tc.p, tc.p}, CeilMode: tc.ceil}
		y := nn.MaxPool(x, spec)
		if got := y.Shape()[2]; got != tc.want {
			t.Errorf("size %d kernel %d stride %d padding %d ceil %v: %d outputs, want %d", tc.size, tc.k, tc.s, tc.p, tc.ceil, got, tc.want)
		}
		// Every kept window overlaps the input, so an all-ones image pools
		// to all ones under both poolings.
		for _, v := range y.Data().Data() {
			if v != 1 {
				t.Errorf("size %d kernel %d stride %d padding %d: max pool output %v, want 1", tc.size, tc.k, tc.s, tc.p, v)
				break
			}
		}
		spec.ExcludePadding = true
		for _, v := range nn.AvgPool(x, spec).Data().Data() {
			if v != 1 {
				t.Errorf("size %d kernel %d stride %d padding %d: average excluding padding %v, want 1", tc.size, tc.k, tc.s, tc.p, v)
				break
			}
		}
	}
}

func TestAvgPoolDivisor(t *testing.T) {
	x := autodiff.Const(tensor.Ones(1, 1, 3, 3))
	// 2×2 windows at stride 2 starting at −1: the corner window covers one
	// input element and three padding cells.
	spec := nn.Pool2DSpec{Kernel: [2]int{2, 2}, Padding: [2]int{1, 1}}
	if got := nn.AvgPool(x, spec).Data().Data(); !slices.Equal(got, []float32{0.25, 0.5, 0.5, 1}) {
		t.Errorf("padding counted: %v, want [0.25 0.5 0.5 1]", got)
	}
	spec.ExcludePadding = true
	if got := nn.AvgPool(x, spec).Data().Data(); !slices.Equal(got, []float32{1, 1, 1, 1}) {
		t.Errorf("padding excluded: %v, want [1 1 1 1]", got)
	}
	// In ceil mode the last window of a 3-wide input at stride 2 covers
	// column 2 and one column past the input, which is not padding, so the
	// divisor is 2·1 = 2 rather than 4.
	spec = nn.Pool2DSpec{Kernel: [2]int{2, 2}, CeilMode: true}
	if got := nn.AvgPool(x, spec).Data().Data(); !slices.Equal(got, []float32{1, 1, 1, 1}) {
		t.Errorf("ceil mode: %v, want [1 1 1 1]", got)
	}
}

func TestAvgPoolGradCheck(t *testing.T) {
	for _, tc := range poolCases {
		if tc.spec.Dilation != [2]int{} {
			continue
		}
		for _, exclude := range []bool{false, true} {
			spec := tc.spec
			spec.ExcludePadding = exclude
			f := func(xs []*autodiff.Value) *autodiff.Value { return nn.AvgPool(xs[0], spec) }
			if err := autodiff.GradCheck(f, []*tensor.Tensor{convRandTensor(5, tc.shape...)}, nil); err != nil {
				t.Errorf("%s, exclude padding %v: %v", tc.name, exclude, err)
			}
		}
	}
}

func TestAvgPoolValues(t *testing.T) {
	x := tensor.New([]int{1, 1, 4, 4}, []float32{
		1, 2, 3, 4,
		5, 6, 7, 8,
		9, 10, 11, 12,
		13, 14, 15, 16,
	})
	y := nn.AvgPool(autodiff.Const(x), nn.Pool2DSpec{Kernel: [2]int{2, 2}})
	if got, want := y.Data().Data(), []float32{3.5, 5.5, 11.5, 13.5}; !slices.Equal(got, want) {
		t.Errorf("2×2 average: %v, want %v", got, want)
	}
}

func TestGlobalAvgPool(t *testing.T) {
	x := tensor.New([]int{2, 1, 2, 2}, []float32{1, 2, 3, 4, -1, -1, -1, 3})
	y := nn.GlobalAvgPool(autodiff.Const(x))
	if !slices.Equal(y.Shape(), []int{2, 1}) || !slices.Equal(y.Data().Data(), []float32{2.5, 0}) {
		t.Fatalf("output %v of shape %v, want [2.5 0] of shape [2 1]", y.Data().Data(), y.Shape())
	}
	f := func(xs []*autodiff.Value) *autodiff.Value { return nn.GlobalAvgPool(xs[0]) }
	if err := autodiff.GradCheck(f, []*tensor.Tensor{convRandTensor(6, 2, 3, 4, 5)}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestPoolBadInputPanics(t *testing.T) {
	x4 := autodiff.Const(tensor.Zeros(1, 1, 4, 4))
	cases := []struct {
		name, want string
		fn         func()
	}{
		{"3-D input", "input shape [4 4 4]", func() { nn.MaxPool(autodiff.Const(tensor.Zeros(4, 4, 4)), nn.Pool2DSpec{Kernel: [2]int{2, 2}}) }},
		{"padding over half the kernel", "padding [2 0]", func() { nn.MaxPool(x4, nn.Pool2DSpec{Kernel: [2]int{3, 3}, Padding: [2]int{2, 0}}) }},
		{"zero kernel", "kernel [0 2]", func() { nn.AvgPool(x4, nn.Pool2DSpec{Kernel: [2]int{0, 2}}) }},
		{"window larger than input", "smaller than the window", func() { nn.MaxPool(x4, nn.Pool2DSpec{Kernel: [2]int{5, 5}}) }},
		{"negative stride", "must be positive", func() { nn.MaxPool(x4, nn.Pool2DSpec{Kernel: [2]int{2, 2}, Stride: [2]int{-1, 1}}) }},
		{"average with dilation", "dilation [2 2]", func() { nn.AvgPool(x4, nn.Pool2DSpec{Kernel: [2]int{2, 2}, Dilation: [2]int{2, 2}}) }},
		{"global on 2-D input", "input shape [1 4]", func() { nn.GlobalAvgPool(autodiff.Const(tensor.Zeros(1, 4))) }},
		{"layer with negative padding", "padding -1", func() { nn.NewMaxPool2D(2, nn.PoolOptions{Padding: -1}) }},
		{"average layer with dilation", "dilation 2", func() { nn.NewAvgPool2D(2, nn.PoolOptions{Dilation: 2}) }},
	}
	for _, tc := range cases {
		msg := convPanicMessage(tc.fn)
		if !strings.HasPrefix(msg, "nn.") || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: panic %q, want an nn message containing %q", tc.name, msg, tc.want)
		}
	}
}

func TestPoolLayers(t *testing.T) {
	x := autodiff.Const(poolDistinct(1, 2, 3, 8, 8))
	mp := nn.NewMaxPool2D(3, nn.PoolOptions{Stride: 2, Padding: 1, CeilMode: true})
	if got := mp.Forward(x).Shape(); !slices.Equal(got, []int{2, 3, 5, 5}) { // windows at −1, 1, 3, 5, 7
		t.Errorf("MaxPool2D output shape %v, want [2 3 5 5]", got)
	}
	if got, want := mp.String(), "MaxPool2D(3×3, stride [2 2], padding [1 1], ceil mode)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	ap := nn.NewAvgPool2D(2, nn.PoolOptions{})
	if got := ap.Forward(x).Shape(); !slices.Equal(got, []int{2, 3, 4, 4}) {
		t.Errorf("AvgPool2D output shape %v, want [2 3 4 4]", got)
	}
	if got, want := ap.String(), "AvgPool2D(2×2)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	gp := nn.NewGlobalAvgPool2D()
	if got := gp.Forward(x).Shape(); !slices.Equal(got, []int{2, 3}) {
		t.Errorf("GlobalAvgPool2D output shape %v, want [2 3]", got)
	}
	d2 := nn.NewDropout2D(0.2, rand.New(rand.NewPCG(1, 1)))
	for _, m := range []nn.Module{mp, ap, gp, nn.NewFlatten(), d2} {
		if len(m.Params()) != 0 {
			t.Errorf("%v has parameters %v", m, m.Params())
		}
	}
	if got := fmt.Sprint(gp, " ", nn.NewFlatten()); got != "GlobalAvgPool2D Flatten" {
		t.Errorf("String() of global pooling and Flatten = %q", got)
	}
}

func TestFlatten(t *testing.T) {
	x := autodiff.Param(convRandTensor(1, 2, 3, 4, 5))
	f := nn.NewFlatten()
	y := f.Forward(x)
	if !slices.Equal(y.Shape(), []int{2, 60}) {
		t.Fatalf("output shape %v, want [2 60]", y.Shape())
	}
	if !slices.Equal(y.Data().Data(), x.Data().Data()) {
		t.Fatal("Flatten reordered the elements")
	}
	y.BackwardWith(convRandTensor(2, 2, 60))
	if !slices.Equal(x.Grad().Shape(), []int{2, 3, 4, 5}) {
		t.Fatalf("gradient shape %v, want [2 3 4 5]", x.Grad().Shape())
	}
	if got := f.Forward(autodiff.Const(tensor.Zeros(7))).Shape(); !slices.Equal(got, []int{7, 1}) {
		t.Errorf("1-D input flattened to %v, want [7 1]", got)
	}
	if got := f.Forward(autodiff.Const(tensor.Zeros(0, 3, 2))).Shape(); !slices.Equal(got, []int{0, 6}) {
		t.Errorf("empty batch flattened to %v, want [0 6]", got)
	}
	if msg := convPanicMessage(func() { f.Forward(autodiff.Const(tensor.Scalar(1))) }); !strings.Contains(msg, "nn.Flatten") {
		t.Errorf("scalar input: panic %q, want one naming nn.Flatten", msg)
	}
}

// poolWithProcs runs fn with GOMAXPROCS set to procs.
func poolWithProcs(procs int, fn func()) {
	prev := runtime.GOMAXPROCS(procs)
	defer runtime.GOMAXPROCS(prev)
	fn()
}

// Inputs of a million elements or more are split across workers; every
// plane is independent, so the split must not change a single bit.
func TestPoolingParallelMatchesSerial(t *testing.T) {
	xt := convRandTensor(1, 4, 16, 130, 130)
	gy := convRandTensor(2, 4, 16, 65, 65)
	layers := map[string]func(x *autodiff.Value) *autodiff.Value{
		"max 2x2": func(x *autodiff.Value) *autodiff.Value { return nn.MaxPool(x, nn.Pool2DSpec{Kernel: [2]int{2, 2}}) },
		"max 3x3 s2": func(x *autodiff.Value) *autodiff.Value {
			return nn.MaxPool(x, nn.Pool2DSpec{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}})
		},
		"avg 2x2": func(x *autodiff.Value) *autodiff.Value { return nn.AvgPool(x, nn.Pool2DSpec{Kernel: [2]int{2, 2}}) },
	}
	for name, f := range layers {
		run := func() (y, dx []float32) {
			x := autodiff.Param(xt.Clone())
			out := f(x)
			out.BackwardWith(gy)
			return out.Data().Data(), x.Grad().Data()
		}
		var y1, dx1, y2, dx2 []float32
		poolWithProcs(1, func() { y1, dx1 = run() })
		poolWithProcs(2, func() { y2, dx2 = run() })
		if !slices.Equal(y1, y2) || !slices.Equal(dx1, dx2) {
			t.Errorf("%s: results on two threads differ from one thread", name)
		}
	}
	wantY, wantDX, _, _ := poolRefMax(xt, nn.Pool2DSpec{Kernel: [2]int{2, 2}}, gy.Data())
	x := autodiff.Param(xt.Clone())
	var y *autodiff.Value
	poolWithProcs(2, func() {
		y = nn.MaxPool(x, nn.Pool2DSpec{Kernel: [2]int{2, 2}})
		y.BackwardWith(gy)
	})
	if !slices.Equal(y.Data().Data(), wantY) || !slices.Equal(x.Grad().Data(), wantDX) {
		t.Error("parallel max pooling differs from the reference")
	}
}

// Many ties, negative values and zeros of both signs: every path must send
// each window's gradient to its first maximum, as the reference does.
func TestMaxPoolTiesMatchReference(t *testing.T) {
	values := []float32{-2, -1, float32(math.Copysign(0, -1)), 0, 1, 2}
	rng := rand.New(rand.NewPCG(9, 9))
	xt := tensor.Zeros(2, 3, 10, 12)
	d := xt.Data()
	for i := range d {
		d[i] = values[rng.IntN(len(values))]
	}
	specs := []nn.Pool2DSpec{
		{Kernel: [2]int{2, 2}},
		{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}},
		{Kernel: [2]int{2, 2}, CeilMode: true, Stride: [2]int{3, 3}},
	}
	for _, spec := range specs {
		x := autodiff.Param(xt.Clone())
		y := nn.MaxPool(x, spec)
		gy := convRandTensor(3, y.Shape()...)
		y.BackwardWith(gy)
		wantY, wantDX, _, _ := poolRefMax(xt, spec, gy.Data())
		for i, v := range y.Data().Data() {
			if v != wantY[i] || math.Signbit(float64(v)) != math.Signbit(float64(wantY[i])) {
				t.Fatalf("%v: output %d = %v, want %v", spec, i, v, wantY[i])
			}
		}
		if !slices.Equal(x.Grad().Data(), wantDX) {
			t.Fatalf("%v: input gradient differs from the reference", spec)
		}
	}
}

// TestMaxPool2x2EveryTierMatchesReference runs the SIMD 2×2 path on every
// kernel tier, with and without gradients, on inputs full of ties, signed
// zeros, infinities and NaNs with distinct payloads. The reference picks
// the first maximum in row-major order, a NaN over any number.
func TestMaxPool2x2EveryTierMatchesReference(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	inf := float32(math.Inf(1))
	values := []float32{-2, -1, negZero, 0, 1, 2, inf, -inf}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, shape := range [][]int{{2, 3, 10, 12}, {1, 2, 9, 31}, {1, 1, 4, 66}} {
		xt := tensor.Zeros(shape...)
		d := xt.Data()
		for i := range d {
			if rng.IntN(25) == 0 {
				d[i] = math.Float32frombits(0x7fc00000 | uint32(rng.IntN(1<<22)))
			} else {
				d[i] = values[rng.IntN(len(values))]
			}
		}
		n, c, h, w := shape[0], shape[1], shape[2], shape[3]
		oh, ow := h/2, w/2
		want := make([]float32, 0, n*c*oh*ow)
		wantAt := make([]int, 0, n*c*oh*ow)
		for p := range n * c {
			for i := range oh {
				for j := range ow {
					at := p*h*w + 2*i*w + 2*j
					for _, q := range []int{at + 1, at + w, at + w + 1} {
						v, best := d[q], d[at]
						if v > best || (v != v && best == best) {
							at = q
						}
					}
					want = append(want, d[at])
					wantAt = append(wantAt, at)
				}
			}
		}

		for _, tier := range asm.SupportedTiers() {
			restore := asm.SetTier(tier)
			for _, grad := range []bool{false, true} {
				name := fmt.Sprintf("%v %v grad=%v", shape, tier, grad)
				x := autodiff.Const(xt)
				if grad {
					x = autodiff.Param(xt.Clone())
				}
				y := nn.MaxPool(x, nn.Pool2DSpec{Kernel: [2]int{2, 2}})
				for i, v := range y.Data().Data() {
					if math.Float32bits(v) != math.Float32bits(want[i]) {
						t.Fatalf("%s: output %d = %#08x, want %#08x", name, i,
							math.Float32bits(v), math.Float32bits(want[i]))
					}
				}
				if !grad {
					continue
				}
				gy := tensor.Zeros(y.Shape()...)
				gyd := gy.Data()
				for i := range gyd {
					gyd[i] = float32(i + 1)
				}
				y.BackwardWith(gy)
				wantDX := make([]float32, len(d))
				for i, at := range wantAt {
					wantDX[at] += gyd[i]
				}
				if !slices.Equal(x.Grad().Data(), wantDX) {
					t.Fatalf("%s: input gradient does not reach the first maximum of each window", name)
				}
			}
			restore()
		}
	}
}
