package tensor

import (
	"fmt"
	"slices"

	"github.com/heed-ml/heed/asm"
)

// inPlaceData returns t's elements for an in-place update, panicking with op
// and the shapes if t is not contiguous or src (when given) has another
// shape.
func (t *Tensor) inPlaceData(op string, src *Tensor) []float32 {
	if !t.IsContiguous() {
		panic(fmt.Sprintf("tensor.%s: destination of shape %v with strides %v is not contiguous", op, t.shape, t.strides))
	}
	if src != nil && !slices.Equal(t.shape, src.shape) {
		panic(fmt.Sprintf("tensor.%s: destination shape %v, source shape %v", op, t.shape, src.shape))
	}
	return t.Data()
}

// sourceData returns src's elements in row-major order, copied if src shares
// t's backing array, because the kernels do not promise correct results
// when the input overlaps the output being written.
func sourceData(t, src *Tensor) []float32 {
	if len(t.data) > 0 && len(src.data) > 0 && sameArray(t.data, src.data) {
		return src.Clone().data
	}
	return src.Contiguous().Data()
}

// sameArray reports whether two non-empty slices share a backing array:
// slices of one array end their capacity at the same element.
func sameArray(a, b []float32) bool {
	return &a[:cap(a)][cap(a)-1] == &b[:cap(b)][cap(b)-1]
}

// AddInPlace sets t += src elementwise. t must be contiguous and src must
// have t's shape; src may have any layout.
func (t *Tensor) AddInPlace(src *Tensor) {
	d := t.inPlaceData("AddInPlace", src)
	asm.AddTo(d, d, sourceData(t, src))
}

// AxpyInPlace sets t += alpha*src elementwise, the update that SGD and
// gradient accumulation use. t must be contiguous and src must have t's
// shape.
func (t *Tensor) AxpyInPlace(alpha float32, src *Tensor) {
	d := t.inPlaceData("AxpyInPlace", src)
	asm.AxpyUnitary(alpha, sourceData(t, src), d)
}

// ScaleInPlace sets t *= s elementwise. t must be contiguous.
func (t *Tensor) ScaleInPlace(s float32) {
	asm.ScalUnitary(s, t.inPlaceData("ScaleInPlace", nil))
}

// Fill sets every element of t to v. t must be contiguous.
func (t *Tensor) Fill(v float32) {
	d := t.inPlaceData("Fill", nil)
	for i := range d {
		d[i] = v
	}
}
