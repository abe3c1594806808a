package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/tensor"
)

// convRandTensor returns a tensor of the given shape with elements uniform
// in [-1, 1) from a fixed seed.
func convRandTensor(seed uint64, shape ...int) *tensor.Tensor {
	rng := rand.New(rand.NewPCG(seed, 7))
	t := tensor.Zeros(shape...)
	d := t.Data()
	for i := range d {
		d[i] = 2*rng.Float32() - 1
	}
	return t
}

// convRef is a direct float64 convolution of x [n,c,h,w] with w
// [oc,c/groups,kh,kw], the reference for the im2col path. It returns the
// output and, given an upstream gradient gy, the gradients of x, w and b.
type convRef struct {
	y, dx, dw, db []float64
	oh, ow        int
}

func convReference(x, w *tensor.Tensor, gy []float32, spec nn.Conv2DSpec) convRef {
	xs, ws := x.Shape(), w.Shape()
	n, c, h, wd := xs[0], xs[1], xs[2], xs[3]
	oc, cg, kh, kw := ws[0], ws[1], ws[2], ws[3]
	one := func(v int) int { return max(v, 1) }
	sh, sw := one(spec.Stride[0]), one(spec.Stride[1])
	dh, dw := one(spec.Dilation[0]), one(spec.Dilation[1])
	groups := one(spec.Groups)
	pt, pb, pl, pr := spec.Padding[0], spec.Padding[1], spec.Padding[2], spec.Padding[3]
	oh := (h+pt+pb-dh*(kh-1)-1)/sh + 1
	ow := (wd+pl+pr-dw*(kw-1)-1)/sw + 1
	og := oc / groups

	xd, wdat := x.Data(), w.Data()
	r := convRef{
		y: make([]float64, n*oc*oh*ow), dx: make([]float64, len(xd)),
		dw: make([]float64, len(wdat)), db: make([]float64, oc), oh: oh, ow: ow,
	}

	for b := range n {
		for o := range oc {
			grp := o / og
			for i := range oh {
				for j := range ow {
					yi := ((b*oc+o)*oh+i)*ow + j
					var s float64
					var g float64
					if gy != nil {
						g = float64(gy[yi])
					}
					r.db[o] += g
					for ci := range cg {
						ch := grp*cg + ci
						for ki := range kh {
							for kj := range kw {
								ih := i*sh - pt + ki*dh
								iw := j*sw - pl + kj*dw
								if ih < 0 || ih >= h || iw < 0 || iw >= wd {
									continue
								}
								xi := ((b*c+ch)*h+ih)*wd + iw
								wi := ((o*cg+ci)*kh+ki)*kw + kj
								s += float64(xd[xi]) * float64(wdat[wi])
								r.dx[xi] += g * float64(wdat[wi])
								r.dw[wi] += g * float64(xd[xi])
							}
						}
					}
					r.y[yi] = s
				}
			}
		}
	}
	return r
}

// convAssertClose fails the test if got and want differ anywhere by more
// than tol relative to the larger magnitude (absolute below 1).
func convAssertClose(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", what, len(got), len(want))
	}
	for i := range got {
		d := math.Abs(float64(got[i]) - want[i])
		if d > tol*math.Max(1, math.Abs(want[i])) || math.IsNaN(float64(got[i])) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// convCase is one convolution geometry of the reference and gradient tests.
type convCase struct {
	name   string
	xShape []int
	wShape []int
	spec   nn.Conv2DSpec
	outHW  [2]int
	noBias bool
}

var convCases = []convCase{
	{name: "3x3 plain", xShape: []int{2, 3, 6, 7}, wShape: []int{4, 3, 3, 3}, outHW: [2]int{4, 5}},
	{name: "stride 2 with leftover row", xShape: []int{2, 2, 8, 8}, wShape: []int{3, 2, 3, 3},
		spec: nn.Conv2DSpec{Stride: [2]int{2, 2}}, outHW: [2]int{3, 3}},
	{name: "stride 3 padded leftover", xShape: []int{1, 2, 9, 10}, wShape: []int{2, 2, 3, 3},
		spec: nn.Conv2DSpec{Stride: [2]int{3, 2}, Padding: nn.SymmetricPadding(1, 1)}, outHW: [2]int{3, 5}},
	{name: "dilation 2 padding 2", xShape: []int{2, 2, 7, 7}, wShape: []int{3, 2, 3, 3},
		spec: nn.Conv2DSpec{Dilation: [2]int{2, 2}, Padding: nn.SymmetricPadding(2, 2)}, outHW: [2]int{7, 7}},
	{name: "dilation and stride", xShape: []int{1, 1, 9, 8}, wShape: []int{2, 1, 2, 3},
		spec: nn.Conv2DSpec{Dilation: [2]int{3, 2}, Stride: [2]int{2, 3}, Padding: [4]int{1, 0, 2, 1}}, outHW: [2]int{4, 3}},
	{name: "groups 2", xShape: []int{2, 4, 5, 5}, wShape: []int{6, 2, 3, 3},
		spec: nn.Conv2DSpec{Groups: 2, Padding: nn.SymmetricPadding(1, 1)}, outHW: [2]int{5, 5}},
	{name: "depthwise", xShape: []int{1, 3, 5, 6}, wShape: []int{3, 1, 3, 3},
		spec: nn.Conv2DSpec{Groups: 3, Stride: [2]int{2, 2}}, outHW: [2]int{2, 2}},
	{name: "1x1 direct", xShape: []int{2, 3, 4, 5}, wShape: []int{4, 3, 1, 1}, outHW: [2]int{4, 5}},
	{name: "1x1 grouped", xShape: []int{2, 4, 3, 3}, wShape: []int{2, 2, 1, 1},
		spec: nn.Conv2DSpec{Groups: 2}, outHW: [2]int{3, 3}},
	{name: "1x1 stride 2", xShape: []int{1, 3, 5, 5}, wShape: []int{2, 3, 1, 1},
		spec: nn.Conv2DSpec{Stride: [2]int{2, 2}}, outHW: [2]int{3, 3}},
	{name: "1x1 padded", xShape: []int{1, 2, 3, 3}, wShape: []int{2, 2, 1, 1},
		spec: nn.Conv2DSpec{Padding: nn.SymmetricPadding(1, 1)}, outHW: [2]int{5, 5}},
	{name: "asymmetric padding even kernel", xShape: []int{1, 2, 5, 5}, wShape: []int{2, 2, 2, 2},
		spec: nn.Conv2DSpec{Padding: [4]int{0, 1, 0, 1}}, outHW: [2]int{5, 5}},
	{name: "padding wider than kernel", xShape: []int{1, 1, 3, 3}, wShape: []int{1, 1, 2, 2},
		spec: nn.Conv2DSpec{Padding: nn.SymmetricPadding(3, 2)}, outHW: [2]int{8, 6}},
	{name: "no bias", xShape: []int{1, 2, 4, 4}, wShape: []int{2, 2, 3, 3}, outHW: [2]int{2, 2}, noBias: true},
}

func convInputs(tc convCase) (x, w, b *tensor.Tensor) {
	x = convRandTensor(1, tc.xShape...)
	w = convRandTensor(2, tc.wShape...)
	if !tc.noBias {
		b = convRandTensor(3, tc.wShape[0])
	}
	return x, w, b
}

func convApply(tc convCase, xs []*autodiff.Value) *autodiff.Value {
	var b *autodiff.Value
	if len(xs) == 3 {
		b = xs[2]
	}
	return nn.Convolve2D(xs[0], xs[1], b, tc.spec)
}

func TestConvolve2DMatchesReference(t *testing.T) {
	for _, tc := range convCases {
		t.Run(tc.name, func(t *testing.T) {
			x, w, b := convInputs(tc)
			xv, wv := autodiff.Param(x), autodiff.Param(w)
			var bv *autodiff.Value
			if b != nil {
				bv = autodiff.Param(b)
			}
			y := nn.Convolve2D(xv, wv, bv, tc.spec)
			want := []int{tc.xShape[0], tc.wShape[0], tc.outHW[0], tc.outHW[1]}
			if !slices.Equal(y.Shape(), want) {
				t.Fatalf("output shape %v, want %v", y.Shape(), want)
			}

			gy := convRandTensor(4, y.Shape()...)
			ref := convReference(x, w, gy.Data(), tc.spec)
			if b != nil {
				per := tc.outHW[0] * tc.outHW[1]
				for i := range ref.y {
					ref.y[i] += float64(b.Data()[(i/per)%tc.wShape[0]])
				}
			}
			convAssertClose(t, "y", y.Data().Data(), ref.y, 1e-5)

			y.BackwardWith(gy)
			convAssertClose(t, "dx", xv.Grad().Data(), ref.dx, 1e-5)
			convAssertClose(t, "dw", wv.Grad().Data(), ref.dw, 1e-5)
			if bv != nil {
				convAssertClose(t, "db", bv.Grad().Data(), ref.db, 1e-5)
			}
		})
	}
}

func TestConvolve2DGradCheck(t *testing.T) {
	for _, tc := range convCases {
		t.Run(tc.name, func(t *testing.T) {
			x, w, b := convInputs(tc)
			inputs := []*tensor.Tensor{x, w}
			if b != nil {
				inputs = append(inputs, b)
			}
			f := func(xs []*autodiff.Value) *autodiff.Value { return convApply(tc, xs) }
			if err := autodiff.GradCheck(f, inputs, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A zero-padded 3×3 convolution of a 5×5 image whose rows are all
// 0 1 2 3 4, worked out by hand. With an all-ones kernel each output is
// (input rows in the window) × (sum of the columns in the window):
// the column sums are 0+1=1, 0+1+2=3, 6, 9, 3+4=7, and border rows see two
// input rows instead of three.
func TestConvolve2DKnownPadded(t *testing.T) {
	x := tensor.Zeros(1, 1, 5, 5)
	for r := range 5 {
		for c := range 5 {
			x.Set(float32(c), 0, 0, r, c)
		}
	}
	w := tensor.Ones(1, 1, 3, 3)
	y := nn.Convolve2D(autodiff.Const(x), autodiff.Const(w), nil, nn.Conv2DSpec{Padding: nn.SymmetricPadding(1, 1)})
	edge := []float32{2, 6, 12, 18, 14}
	mid := []float32{3, 9, 18, 27, 21}
	want := slices.Concat(edge, mid, mid, mid, edge)
	if got := y.Data().Data(); !slices.Equal(got, want) {
		t.Fatalf("all-ones kernel: got %v, want %v", got, want)
	}

	// A kernel whose only tap is its top-left corner shifts the image one
	// down and one right: cross-correlation, not a flipped convolution.
	corner := tensor.Zeros(1, 1, 3, 3)
	corner.Set(1, 0, 0, 0, 0)
	y = nn.Convolve2D(autodiff.Const(x), autodiff.Const(corner), nil, nn.Conv2DSpec{Padding: nn.SymmetricPadding(1, 1)})
	shifted := []float32{0, 0, 1, 2, 3}
	want = slices.Concat(make([]float32, 5), shifted, shifted, shifted, shifted)
	if got := y.Data().Data(); !slices.Equal(got, want) {
		t.Fatalf("corner kernel: got %v, want %v", got, want)
	}
}

// A 3×3 stride-2 convolution of a 6×6 input reads rows and columns 0..4
// only: windows start at 0 and 2. Row 5 and column 5 must get a gradient of
// exactly 0, and the others the number of windows covering them, because
// the kernel and the upstream gradient are all ones.
func TestConvolve2DStrideUnreadRow(t *testing.T) {
	xv := autodiff.Param(convRandTensor(5, 1, 1, 6, 6))
	wv := autodiff.Param(tensor.Ones(1, 1, 3, 3))
	y := nn.Convolve2D(xv, wv, nil, nn.Conv2DSpec{Stride: [2]int{2, 2}})
	if !slices.Equal(y.Shape(), []int{1, 1, 2, 2}) {
		t.Fatalf("output shape %v, want [1 1 2 2]", y.Shape())
	}
	y.BackwardWith(tensor.Ones(1, 1, 2, 2))
	cover := []float32{1, 1, 2, 1, 1, 0}
	dx := xv.Grad()
	for r := range 6 {
		for c := range 6 {
			if got, want := dx.At(0, 0, r, c), cover[r]*cover[c]; got != want {
				t.Errorf("dx[%d][%d] = %v, want %v", r, c, got, want)
			}
		}
	}
}

func TestConvolve2DFirstLayerSkipsInputGrad(t *testing.T) {
	x := autodiff.Const(convRandTensor(1, 2, 1, 6, 6))
	w := autodiff.Param(convRandTensor(2, 3, 1, 3, 3))
	b := autodiff.Param(convRandTensor(3, 3))
	y := nn.Convolve2D(x, w, b, nn.Conv2DSpec{})
	autodiff.SumAll(y).Backward()
	if x.Grad() != nil {
		t.Errorf("constant input received a gradient")
	}
	if w.Grad() == nil || b.Grad() == nil {
		t.Fatalf("weight or bias received no gradient")
	}
	// d(sum y)/db = number of output positions per channel and image.
	for i, v := range b.Grad().Data() {
		if v != 2*4*4 {
			t.Errorf("db[%d] = %v, want 32", i, v)
		}
	}
}

func TestConvolve2DDeterministicAcrossRuns(t *testing.T) {
	prev := runtime.GOMAXPROCS(2)
	defer runtime.GOMAXPROCS(prev)
	// Large enough to be split across workers.
	x := convRandTensor(1, 16, 8, 16, 16)
	w := convRandTensor(2, 16, 8, 3, 3)
	gy := convRandTensor(3, 16, 16, 14, 14)
	run := func() ([]float32, []float32, []float32) {
		xv, wv := autodiff.Param(x.Clone()), autodiff.Param(w.Clone())
		y := nn.Convolve2D(xv, wv, nil, nn.Conv2DSpec{})
		y.BackwardWith(gy)
		return y.Data().Data(), xv.Grad().Data(), wv.Grad().Data()
	}
	y1, dx1, dw1 := run()
	y2, dx2, dw2 := run()
	if !slices.Equal(y1, y2) || !slices.Equal(dx1, dx2) || !slices.Equal(dw1, dw2) {
		t.Fatal("two runs with the same thread count differ")
	}
	ref := convReference(x, w, gy.Data(), nn.Conv2DSpec{})
	convAssertClose(t, "dw", dw1, ref.dw, 1e-4)
}

func TestConvolve2DBadShapesPanic(t *testing.T) {
	cases := []struct {
		name string
		x, w []int
		bias int
		spec nn.Conv2DSpec
		want string
	}{
		{"3-D input", []int{1, 5, 5}, []int{1, 1, 3, 3}, 0, nn.Conv2DSpec{}, "input shape [1 5 5]"},
		{"channel mismatch", []int{1, 2, 5, 5}, []int{1, 3, 3, 3}, 0, nn.Conv2DSpec{}, "input channels per group"},
		{"groups do not divide", []int{1, 3, 5, 5}, []int{2, 1, 3, 3}, 0, nn.Conv2DSpec{Groups: 2}, "divide by groups 2"},
		{"kernel larger than input", []int{1, 1, 2, 2}, []int{1, 1, 3, 3}, 0, nn.Conv2DSpec{}, "smaller than the dilated kernel"},
		{"dilated kernel too large", []int{1, 1, 4, 4}, []int{1, 1, 3, 3}, 0, nn.Conv2DSpec{Dilation: [2]int{2, 2}}, "dilated kernel 5×5"},
		{"negative stride", []int{1, 1, 5, 5}, []int{1, 1, 3, 3}, 0, nn.Conv2DSpec{Stride: [2]int{-1, 1}}, "must be positive"},
		{"negative padding", []int{1, 1, 5, 5}, []int{1, 1, 3, 3}, 0, nn.Conv2DSpec{Padding: [4]int{0, -1, 0, 0}}, "negative padding"},
		{"bias length", []int{1, 1, 5, 5}, []int{2, 1, 3, 3}, 3, nn.Conv2DSpec{}, "bias shape [3]"},
		{"2-D weight", []int{1, 1, 5, 5}, []int{1, 9}, 0, nn.Conv2DSpec{}, "weight shape [1 9]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b *autodiff.Value
			if tc.bias > 0 {
				b = autodiff.Const(tensor.Zeros(tc.bias))
			}
			msg := convPanicMessage(func() {
				nn.Convolve2D(autodiff.Const(tensor.Zeros(tc.x...)), autodiff.Const(tensor.Zeros(tc.w...)), b, tc.spec)
			})
			if !strings.Contains(msg, "nn.Convolve2D") || !strings.Contains(msg, tc.want) {
				t.Fatalf("panic %q, want one naming nn.Convolve2D and %q", msg, tc.want)
			}
		})
	}
}

// convPanicMessage runs fn and returns the message it panicked with, or ""
// if it returned normally.
func convPanicMessage(fn func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	fn()
	return ""
}

func TestNewConv2DInitAndParams(t *testing.T) {
	c := nn.NewConv2D(rand.New(rand.NewPCG(1, 2)), 4, 6, 3, nn.Conv2DOptions{Groups: 2})
	ps := c.Params()
	if len(ps) != 2 || ps[0].Name != "weight" || ps[1].Name != "bias" {
		t.Fatalf("params %v, want weight and bias", ps)
	}
	if !slices.Equal(ps[0].Value.Shape(), []int{6, 2, 3, 3}) || !slices.Equal(ps[1].Value.Shape(), []int{6}) {
		t.Fatalf("shapes %v and %v, want [6 2 3 3] and [6]", ps[0].Value.Shape(), ps[1].Value.Shape())
	}
	bound := 1 / math.Sqrt(2*3*3)
	var maxAbs float64
	for _, p := range ps {
		if !p.Value.RequiresGrad() {
			t.Errorf("%s does not require a gradient", p.Name)
		}
		for _, v := range p.Value.Data().Data() {
			maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
		}
	}
	if maxAbs > bound || maxAbs < bound/2 {
		t.Errorf("largest initial magnitude %v, want in (%v/2, %v]", maxAbs, bound, bound)
	}

	again := nn.NewConv2D(rand.New(rand.NewPCG(1, 2)), 4, 6, 3, nn.Conv2DOptions{Groups: 2})
	if !slices.Equal(again.Weight.Data().Data(), c.Weight.Data().Data()) {
		t.Errorf("same seed gave different weights")
	}

	if got, want := c.String(), "Conv2D(4→6, 3×3, groups 2)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}

	nb := nn.NewConv2D(rand.New(rand.NewPCG(1, 2)), 1, 2, 1, nn.Conv2DOptions{NoBias: true})
	if len(nb.Params()) != 1 || nb.Bias != nil {
		t.Errorf("NoBias layer has params %v", nb.Params())
	}
}

func TestConv2DSamePadding(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		kernel, stride, dilation int
		h, w                     int
		want                     [2]int
	}{
		{3, 1, 1, 7, 6, [2]int{7, 6}},
		{4, 1, 1, 5, 5, [2]int{5, 5}},
		{3, 1, 2, 6, 6, [2]int{6, 6}},
		{3, 2, 1, 7, 8, [2]int{4, 4}},
		{1, 1, 1, 3, 3, [2]int{3, 3}},
	}
	for _, tc := range cases {
		c := nn.NewConv2D(rng, 2, 3, tc.kernel, nn.Conv2DOptions{Same: true, Stride: tc.stride, Dilation: tc.dilation})
		y := c.Forward(autodiff.Const(convRandTensor(1, 1, 2, tc.h, tc.w)))
		if got := [2]int{y.Shape()[2], y.Shape()[3]}; got != tc.want {
			t.Errorf("kernel %d stride %d dilation %d on %d×%d: output %v, want %v", tc.kernel, tc.stride, tc.dilation, tc.h, tc.w, got, tc.want)
		}
	}
	// PyTorch puts the odd padding row and column of an even kernel at the
	// bottom and right.
	if got := nn.SamePadding(5, 5, [2]int{4, 2}, [2]int{1, 1}, [2]int{1, 1}); got != [4]int{1, 2, 0, 1} {
		t.Errorf("SamePadding for a 4×2 kernel = %v, want [1 2 0 1]", got)
	}
}

func TestNewConv2DRejectsBadConfig(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	cases := []struct {
		name         string
		in, out, k   int
		opts         nn.Conv2DOptions
		wantFragment string
	}{
		{"zero channels", 0, 4, 3, nn.Conv2DOptions{}, "must be positive"},
		{"zero kernel", 1, 4, 0, nn.Conv2DOptions{}, "must be positive"},
		{"groups", 3, 4, 3, nn.Conv2DOptions{Groups: 2}, "groups 2 must divide"},
		{"negative stride", 1, 1, 3, nn.Conv2DOptions{Stride: -2}, "negative stride"},
	}
	if msg := convPanicMessage(func() { nn.NewConv2D(nil, 1, 1, 3, nn.Conv2DOptions{}) }); !strings.Contains(msg, "nil *rand.Rand") {
		t.Errorf("nil rng: panic %q, want one naming the nil *rand.Rand", msg)
	}
	for _, tc := range cases {
		msg := convPanicMessage(func() { nn.NewConv2D(rng, tc.in, tc.out, tc.k, tc.opts) })
		if !strings.Contains(msg, "nn.NewConv2D") || !strings.Contains(msg, tc.wantFragment) {
			t.Errorf("%s: panic %q, want one containing %q", tc.name, msg, tc.wantFragment)
		}
	}
}

func TestConv2DStringAndSameRank(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	cases := []struct {
		opts nn.Conv2DOptions
		want string
	}{
		{nn.Conv2DOptions{}, "Conv2D(3→8, 3×3)"},
		{nn.Conv2DOptions{Stride: 2, Padding: 1}, "Conv2D(3→8, 3×3, stride [2 2], padding [1 1 1 1])"},
		{nn.Conv2DOptions{Same: true, Dilation: 2, NoBias: true}, "Conv2D(3→8, 3×3, same padding, dilation [2 2], no bias)"},
	}
	for _, tc := range cases {
		if got := nn.NewConv2D(rng, 3, 8, 3, tc.opts).String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
	same := nn.NewConv2D(rng, 3, 8, 3, nn.Conv2DOptions{Same: true})
	msg := convPanicMessage(func() { same.Forward(autodiff.Const(tensor.Zeros(3, 5, 5))) })
	if !strings.Contains(msg, "nn.Conv2D: input shape [3 5 5]") {
		t.Errorf("3-D input with same padding: panic %q", msg)
	}
}
