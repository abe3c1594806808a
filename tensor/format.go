package tensor

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// Printing limits, as in NumPy: tensors with more than summaryThreshold
// elements show only edgeItems entries at each end of every longer axis.
const (
	summaryThreshold = 1000
	edgeItems        = 3
)

// String formats t as NumPy-like nested brackets followed by its shape, for
// example "tensor([[1 2] [3 4]], shape=[2 2])". Values use the shortest
// representation that reads back as the same float32. When t has more than
// 1000 elements, every axis longer than 6 shows its first and last 3
// entries with "..." between them.
func (t *Tensor) String() string {
	if t == nil {
		return "tensor(nil)"
	}
	var sb strings.Builder
	sb.WriteString("tensor(")
	t.format(&sb, 0, t.offset, t.Size() > summaryThreshold)
	sb.WriteString(", shape=")
	sb.WriteString(formatShape(t.shape))
	sb.WriteString(")")
	return sb.String()
}

func formatShape(shape []int) string {
	parts := make([]string, len(shape))
	for i, s := range shape {
		parts[i] = strconv.Itoa(s)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// format writes the sub-tensor starting at backing position pos whose first
// axis is axis.
func (t *Tensor) format(sb *strings.Builder, axis, pos int, summarize bool) {
	if axis == len(t.shape) {
		sb.WriteString(strconv.FormatFloat(float64(t.data[pos]), 'g', -1, 32))
		return
	}
	n := t.shape[axis]
	sb.WriteByte('[')
	for i := 0; i < n; i++ {
		if summarize && n > 2*edgeItems && i == edgeItems {
			sb.WriteString(" ...")
			i = n - edgeItems
		}
		if i > 0 {
			sb.WriteByte(' ')
		}
		t.format(sb, axis+1, pos+i*t.strides[axis], summarize)
	}
	sb.WriteByte(']')
}

// Equal reports whether a and b have the same shape and bitwise-identical
// elements, except that any two NaNs count as equal. Because the comparison
// is bitwise, +0 and -0 differ.
func Equal(a, b *Tensor) bool {
	if !slices.Equal(a.shape, b.shape) {
		return false
	}
	x, y := a.Contiguous().Data(), b.Contiguous().Data()
	for i, v := range x {
		w := y[i]
		if math.Float32bits(v) != math.Float32bits(w) && !(v != v && w != w) {
			return false
		}
	}
	return true
}

// AllClose reports whether a and b have the same shape and every pair of
// elements satisfies |a-b| <= atol + rtol*|b|, the test NumPy's allclose
// uses. Infinities are close only to the same infinity, and NaN is close to
// nothing.
func AllClose(a, b *Tensor, rtol, atol float64) bool {
	if !slices.Equal(a.shape, b.shape) {
		return false
	}
	x, y := a.Contiguous().Data(), b.Contiguous().Data()
	for i, v := range x {
		p, q := float64(v), float64(y[i])
		if p == q {
			continue
		}
		if math.IsInf(p, 0) || math.IsInf(q, 0) {
			return false
		}
		if !(math.Abs(p-q) <= atol+rtol*math.Abs(q)) {
			return false
		}
	}
	return true
}
