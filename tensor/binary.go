package tensor

import (
	"fmt"
	"math"
	"slices"

	"github.com/heed-ml/heed/asm"
)

// binaryOp describes an elementwise operation x op y by its kernels, so that
// one broadcasting driver can serve Add, Sub, Mul, Div and Maximum. All four
// functions must give bit-identical results for the same pair of values,
// because the driver picks among them by memory layout alone.
type binaryOp struct {
	name   string
	vector func(dst, x, y []float32)                   // dst[i] = x[i] op y[i]
	right  func(dst, x []float32, s float32)           // dst[i] = x[i] op s
	left   func(dst []float32, s float32, x []float32) // dst[i] = s op x[i]
	elem   func(x, y float32) float32
}

var (
	addOp = binaryOp{"Add", asm.AddTo, asm.AddScalarTo,
		func(dst []float32, s float32, x []float32) { asm.AddScalarTo(dst, x, s) },
		func(x, y float32) float32 { return x + y }}
	subOp = binaryOp{"Sub", asm.SubTo, asm.SubScalarTo, asm.ScalarSubTo,
		func(x, y float32) float32 { return x - y }}
	mulOp = binaryOp{"Mul", asm.MulTo, asm.MulScalarTo,
		func(dst []float32, s float32, x []float32) { asm.MulScalarTo(dst, x, s) },
		func(x, y float32) float32 { return x * y }}
	divOp = binaryOp{"Div", asm.DivTo, asm.DivScalarTo, asm.ScalarDivTo,
		func(x, y float32) float32 { return x / y }}
	maximumOp = binaryOp{"Maximum", maximumTo, maximumScalarTo,
		func(dst []float32, s float32, x []float32) { maximumScalarTo(dst, x, s) },
		maximum}
)

// Add returns a + b elementwise, broadcasting the shapes as NumPy does.
func Add(a, b *Tensor) *Tensor { return addOp.apply(a, b) }

// Sub returns a - b elementwise, broadcasting the shapes as NumPy does.
func Sub(a, b *Tensor) *Tensor { return subOp.apply(a, b) }

// Mul returns a * b elementwise, broadcasting the shapes as NumPy does.
func Mul(a, b *Tensor) *Tensor { return mulOp.apply(a, b) }

// Div returns a / b elementwise, broadcasting the shapes as NumPy does.
// Division by zero follows IEEE 754 (±Inf, or NaN for 0/0).
func Div(a, b *Tensor) *Tensor { return divOp.apply(a, b) }

// Maximum returns the elementwise maximum of a and b, broadcasting the shapes
// as NumPy does. A NaN in either operand gives NaN, and the maximum of +0
// and -0 is +0.
func Maximum(a, b *Tensor) *Tensor { return maximumOp.apply(a, b) }

func maximum(x, y float32) float32 {
	switch {
	case x != x:
		return x
	case y != y:
		return y
	case x > y:
		return x
	case y > x:
		return y
	case math.Signbit(float64(x)):
		// x == y here, so only the sign of a zero can differ.
		return y
	}
	return x
}

func maximumTo(dst, x, y []float32) {
	y = y[:len(dst)]
	for i, v := range x[:len(dst)] {
		dst[i] = maximum(v, y[i])
	}
}

func maximumScalarTo(dst, x []float32, s float32) {
	for i, v := range x[:len(dst)] {
		dst[i] = maximum(v, s)
	}
}

// apply runs op on a and b with broadcasting and returns a new contiguous
// tensor.
func (op *binaryOp) apply(a, b *Tensor) *Tensor {
	if slices.Equal(a.shape, b.shape) && a.IsContiguous() && b.IsContiguous() {
		out := Zeros(a.shape...)
		op.vector(out.data, a.Data(), b.Data())
		return out
	}
	shape, ok := BroadcastShapes(a.shape, b.shape)
	if !ok {
		panic(fmt.Sprintf("tensor.%s: shapes %v and %v cannot be broadcast together", op.name, a.shape, b.shape))
	}
	out := Zeros(shape...)
	if len(out.data) == 0 {
		return out
	}
	as, _ := broadcastStrides(a, shape)
	bs, _ := broadcastStrides(b, shape)
	op.strided(out.data, shape, a.data, a.offset, as, b.data, b.offset, bs)
	return out
}

// Layout of one operand over the inner block of axes that a kernel call
// covers.
const (
	layoutUnknown  = iota // only size-1 axes so far
	layoutContig          // row-major, unit stride
	layoutConstant        // stride 0: one value repeated
)

// extendLayout reports the operand's layout after adding an axis with the
// given stride outside an inner block of inner elements, and whether the
// block stays a single kernel call.
func extendLayout(layout, stride, inner int) (int, bool) {
	switch {
	case stride == inner && layout != layoutConstant:
		return layoutContig, true
	case stride == 0 && layout != layoutContig:
		return layoutConstant, true
	}
	return layout, false
}

// minKernelBlock is the shortest inner block worth a kernel call; shorter
// blocks are computed one element at a time.
const minKernelBlock = 8

// strided computes dst = x op y where x and y are read through strides
// already aligned to shape. It finds the longest run of trailing axes over
// which each operand is either contiguous or constant, and calls a kernel
// once per run. So [B,N] op [N] becomes B calls of the vector kernel on rows
// of N, and [B,N] op [B,1] becomes B calls of the scalar kernel.
func (op *binaryOp) strided(dst []float32, shape []int, x []float32, xoff int, xs []int, y []float32, yoff int, ys []int) {
	inner := 1
	xl, yl := layoutUnknown, layoutUnknown
	k := len(shape)
	for ; k > 0; k-- {
		if shape[k-1] == 1 {
			continue
		}
		nx, okx := extendLayout(xl, xs[k-1], inner)
		ny, oky := extendLayout(yl, ys[k-1], inner)
		if !okx || !oky {
			break
		}
		xl, yl = nx, ny
		inner *= shape[k-1]
	}

	if inner < minKernelBlock {
		op.walk(dst, shape, x, xoff, xs, y, yoff, ys)
		return
	}

	o := 0
	walkOuter(shape[:k], xs, ys, xoff, yoff, func(px, py int) {
		d := dst[o : o+inner]
		o += inner
		switch {
		case xl == layoutContig && yl == layoutContig:
			op.vector(d, x[px:px+inner], y[py:py+inner])
		case xl == layoutContig:
			op.right(d, x[px:px+inner], y[py])
		case yl == layoutContig:
			op.left(d, x[px], y[py:py+inner])
		default:
			v := op.elem(x[px], y[py])
			for i := range d {
				d[i] = v
			}
		}
	})
}

// walk computes dst one element at a time, for layouts that leave no inner
// block long enough for a kernel call (transposed operands, for example).
func (op *binaryOp) walk(dst []float32, shape []int, x []float32, xoff int, xs []int, y []float32, yoff int, ys []int) {
	if len(shape) == 0 {
		dst[0] = op.elem(x[xoff], y[yoff])
		return
	}
	last := len(shape) - 1
	n, sx, sy := shape[last], xs[last], ys[last]
	o := 0
	walkOuter(shape[:last], xs, ys, xoff, yoff, func(px, py int) {
		d := dst[o : o+n]
		o += n
		for j := range d {
			d[j] = op.elem(x[px+j*sx], y[py+j*sy])
		}
	})
}

// walkOuter calls fn with the positions of x and y for every index of the
// leading axes shape, in row-major order. xs and ys may be longer than shape;
// only their first len(shape) entries are used.
func walkOuter(shape, xs, ys []int, px, py int, fn func(px, py int)) {
	for _, s := range shape {
		if s == 0 {
			return
		}
	}
	n := len(shape)
	if n == 0 {
		fn(px, py)
		return
	}
	idx := make([]int, n)
	for {
		fn(px, py)
		ax := n - 1
		for ; ax >= 0; ax-- {
			idx[ax]++
			px += xs[ax]
			py += ys[ax]
			if idx[ax] < shape[ax] {
				break
			}
			px -= idx[ax] * xs[ax]
			py -= idx[ax] * ys[ax]
			idx[ax] = 0
		}
		if ax < 0 {
			return
		}
	}
}
