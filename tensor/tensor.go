// Package tensor implements N-dimensional float32 arrays with shapes,
// strides and views, NumPy broadcasting, and the math that Heed's autodiff
// and layers are built on.
//
// A Tensor is a view: a shape, a stride per axis and an offset into a shared
// backing slice. Reshape of contiguous data, Transpose, Permute and Slice
// return views that share memory with their source; Contiguous and Clone
// copy. Operations such as Add or MatMul always return a new contiguous
// tensor and never modify their operands.
//
// Programmer errors (mismatched shapes, an axis out of range) panic with a
// message that names the operation and the shapes involved, as gonum does.
package tensor

import (
	"fmt"
	"slices"
)

// Tensor is an N-dimensional view of float32 data.
type Tensor struct {
	data    []float32
	shape   []int
	strides []int
	offset  int

	// dims backs shape and strides for tensors of rank up to inlineRank,
	// so that creating such a tensor costs one allocation for the header
	// instead of three. A training step creates dozens of small tensors.
	dims [2 * inlineRank]int
}

// inlineRank is the largest rank whose shape and strides live in the
// Tensor header itself.
const inlineRank = 4

// newHeader returns a tensor header over data with copies of shape and
// strides; nil strides mean row-major order. The caller has checked that
// the view fits in data.
func newHeader(data []float32, shape, strides []int, offset int) *Tensor {
	t := &Tensor{data: data, offset: offset}
	rank := len(shape)
	buf := t.dims[:]
	if rank > inlineRank {
		buf = make([]int, 2*rank)
	}
	t.shape = buf[:rank:rank]
	t.strides = buf[rank : 2*rank : 2*rank]
	copy(t.shape, shape)
	if strides != nil {
		copy(t.strides, strides)
	} else {
		setRowMajorStrides(t.strides, shape)
	}
	return t
}

// New returns a tensor of the given shape that uses data as its row-major
// backing store, without copying. It panics if len(data) is not the product
// of shape.
func New(shape []int, data []float32) *Tensor {
	n := checkShape("New", shape)
	if len(data) != n {
		panic(fmt.Sprintf("tensor.New: shape %v needs %d elements, data has %d", shape, n, len(data)))
	}
	return newHeader(data, shape, nil, 0)
}

// Zeros returns a new tensor of the given shape filled with zeros.
func Zeros(shape ...int) *Tensor {
	n := checkShape("Zeros", shape)
	return New(shape, make([]float32, n))
}

// Full returns a new tensor of the given shape with every element set to v.
func Full(v float32, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = v
	}
	return t
}

// Ones returns a new tensor of the given shape filled with ones.
func Ones(shape ...int) *Tensor { return Full(1, shape...) }

// Scalar returns a 0-dimensional tensor holding v.
func Scalar(v float32) *Tensor { return New(nil, []float32{v}) }

// FromSlice returns a 1-D tensor holding a copy of values.
func FromSlice(values []float32) *Tensor {
	return New([]int{len(values)}, slices.Clone(values))
}

// ZerosLike returns a new zero tensor with the shape of t.
func ZerosLike(t *Tensor) *Tensor { return Zeros(t.shape...) }

// Shape returns the size of each axis. The caller must not modify it.
func (t *Tensor) Shape() []int { return t.shape }

// Strides returns the step, in elements, between neighbours along each axis.
// The caller must not modify it.
func (t *Tensor) Strides() []int { return t.strides }

// Offset returns the index in the backing slice of the first element.
func (t *Tensor) Offset() int { return t.offset }

// Dims returns the number of axes.
func (t *Tensor) Dims() int { return len(t.shape) }

// Size returns the number of elements.
func (t *Tensor) Size() int { return product(t.shape) }

// Dim returns the size of axis, which may be negative to count from the end.
func (t *Tensor) Dim(axis int) int { return t.shape[t.normAxis("Dim", axis)] }

// IsContiguous reports whether the elements are stored in row-major order
// with no gaps, so that Data returns them directly.
func (t *Tensor) IsContiguous() bool {
	want := 1
	for i := len(t.shape) - 1; i >= 0; i-- {
		if t.shape[i] != 1 && t.strides[i] != want {
			return false
		}
		want *= t.shape[i]
	}
	return true
}

// Data returns the elements of a contiguous tensor in row-major order,
// sharing memory with t. It panics if t is not contiguous; call
// t.Contiguous().Data() to read any tensor.
func (t *Tensor) Data() []float32 {
	if !t.IsContiguous() {
		panic(fmt.Sprintf("tensor.Data: tensor of shape %v with strides %v is not contiguous; call Contiguous first", t.shape, t.strides))
	}
	return t.data[t.offset : t.offset+t.Size()]
}

// Item returns the only element of a one-element tensor.
func (t *Tensor) Item() float32 {
	if t.Size() != 1 {
		panic(fmt.Sprintf("tensor.Item: tensor of shape %v has %d elements, want 1", t.shape, t.Size()))
	}
	return t.data[t.offset]
}

// At returns the element at the given index, one entry per axis.
func (t *Tensor) At(index ...int) float32 { return t.data[t.flatIndex("At", index)] }

// Set stores v at the given index, one entry per axis. Set writes through
// views, so the change shows in every tensor sharing the backing data.
func (t *Tensor) Set(v float32, index ...int) { t.data[t.flatIndex("Set", index)] = v }

func (t *Tensor) flatIndex(op string, index []int) int {
	if len(index) != len(t.shape) {
		panic(fmt.Sprintf("tensor.%s: index %v has %d entries, tensor of shape %v has %d axes", op, index, len(index), t.shape, len(t.shape)))
	}
	pos := t.offset
	for i, v := range index {
		if v < 0 || v >= t.shape[i] {
			panic(fmt.Sprintf("tensor.%s: index %v out of range for shape %v", op, index, t.shape))
		}
		pos += v * t.strides[i]
	}
	return pos
}

// Contiguous returns t itself if it is contiguous and otherwise a row-major
// copy of its elements.
func (t *Tensor) Contiguous() *Tensor {
	if t.IsContiguous() {
		return t
	}
	return t.Clone()
}

// Clone returns a contiguous copy of t that shares no memory with it.
func (t *Tensor) Clone() *Tensor {
	out := make([]float32, t.Size())
	t.copyTo(out)
	return New(t.shape, out)
}

// CopyFrom copies the elements of src, which must have the same shape as t,
// into t in place.
func (t *Tensor) CopyFrom(src *Tensor) {
	if !slices.Equal(t.shape, src.shape) {
		panic(fmt.Sprintf("tensor.CopyFrom: destination shape %v, source shape %v", t.shape, src.shape))
	}
	if t.IsContiguous() {
		src.copyTo(t.Data())
		return
	}
	vals := src.Contiguous().Data()
	i := 0
	t.each(func(pos int) {
		t.data[pos] = vals[i]
		i++
	})
}

// copyTo writes t's elements in row-major order into dst.
func (t *Tensor) copyTo(dst []float32) {
	if t.IsContiguous() {
		copy(dst, t.data[t.offset:t.offset+t.Size()])
		return
	}
	i := 0
	t.each(func(pos int) {
		dst[i] = t.data[pos]
		i++
	})
}

// each calls fn with the backing-slice position of every element, in
// row-major order.
func (t *Tensor) each(fn func(pos int)) {
	n := t.Size()
	if n == 0 {
		return
	}
	nd := len(t.shape)
	if nd == 0 {
		fn(t.offset)
		return
	}
	idx := make([]int, nd)
	pos := t.offset
	last := nd - 1
	for {
		// Walk the innermost axis directly; it is where the work is.
		step := t.strides[last]
		for j := 0; j < t.shape[last]; j++ {
			fn(pos + j*step)
		}
		// Carry into the outer axes.
		ax := last - 1
		for ; ax >= 0; ax-- {
			idx[ax]++
			pos += t.strides[ax]
			if idx[ax] < t.shape[ax] {
				break
			}
			pos -= idx[ax] * t.strides[ax]
			idx[ax] = 0
		}
		if ax < 0 {
			return
		}
	}
}

// Reshape returns a tensor with the same elements in row-major order and a
// new shape. One entry of shape may be -1, meaning "whatever size is left".
// The result is a view when t is contiguous and a copy otherwise, as with
// PyTorch's reshape.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	shape = slices.Clone(shape)
	n := t.Size()
	infer := -1
	known := 1
	for i, s := range shape {
		switch {
		case s == -1 && infer < 0:
			infer = i
		case s < 0:
			panic(fmt.Sprintf("tensor.Reshape: invalid target shape %v for tensor of shape %v", shape, t.shape))
		default:
			known *= s
		}
	}
	if infer >= 0 {
		if known == 0 || n%known != 0 {
			panic(fmt.Sprintf("tensor.Reshape: cannot infer -1 in %v for %d elements (shape %v)", shape, n, t.shape))
		}
		shape[infer] = n / known
	}
	if product(shape) != n {
		panic(fmt.Sprintf("tensor.Reshape: cannot reshape %v (%d elements) to %v (%d elements)", t.shape, n, shape, product(shape)))
	}
	src := t.Contiguous()
	return newHeader(src.data, shape, nil, src.offset)
}

// Permute returns a view whose axis i is axis axes[i] of t.
func (t *Tensor) Permute(axes ...int) *Tensor {
	if len(axes) != len(t.shape) {
		panic(fmt.Sprintf("tensor.Permute: %d axes %v given for tensor of shape %v", len(axes), axes, t.shape))
	}
	seen := make([]bool, len(axes))
	shape := make([]int, len(axes))
	strides := make([]int, len(axes))
	for i, a := range axes {
		a = t.normAxis("Permute", a)
		if seen[a] {
			panic(fmt.Sprintf("tensor.Permute: axis %d repeated in %v for shape %v", a, axes, t.shape))
		}
		seen[a] = true
		shape[i] = t.shape[a]
		strides[i] = t.strides[a]
	}
	return newHeader(t.data, shape, strides, t.offset)
}

// Transpose returns a view with axes a and b swapped.
func (t *Tensor) Transpose(a, b int) *Tensor {
	axes := make([]int, len(t.shape))
	for i := range axes {
		axes[i] = i
	}
	a, b = t.normAxis("Transpose", a), t.normAxis("Transpose", b)
	axes[a], axes[b] = axes[b], axes[a]
	return t.Permute(axes...)
}

// T returns the transpose of a 2-D tensor as a view.
func (t *Tensor) T() *Tensor {
	if len(t.shape) != 2 {
		panic(fmt.Sprintf("tensor.T: want a 2-D tensor, have shape %v", t.shape))
	}
	return t.Transpose(0, 1)
}

// Slice returns a view of the elements with start <= index < end along axis.
func (t *Tensor) Slice(axis, start, end int) *Tensor {
	axis = t.normAxis("Slice", axis)
	if start < 0 || end < start || end > t.shape[axis] {
		panic(fmt.Sprintf("tensor.Slice: range [%d, %d) invalid for axis %d of shape %v", start, end, axis, t.shape))
	}
	shape := slices.Clone(t.shape)
	shape[axis] = end - start
	return newHeader(t.data, shape, t.strides, t.offset+start*t.strides[axis])
}

// normAxis converts a possibly negative axis to its index, panicking with op
// and the shape when it is out of range.
func (t *Tensor) normAxis(op string, axis int) int {
	n := len(t.shape)
	if axis < -n || axis >= n {
		panic(fmt.Sprintf("tensor.%s: axis %d out of range for shape %v", op, axis, t.shape))
	}
	if axis < 0 {
		axis += n
	}
	return axis
}

func checkShape(op string, shape []int) int {
	n := 1
	for _, s := range shape {
		if s < 0 {
			panic(fmt.Sprintf("tensor.%s: negative size in shape %v", op, shape))
		}
		n *= s
	}
	return n
}

func product(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

func setRowMajorStrides(strides, shape []int) {
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		strides[i] = s
		s *= shape[i]
	}
}
