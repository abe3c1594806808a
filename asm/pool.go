package asm

import (
	"fmt"
	"math"
)

// MaxPool2x2Rows sets dst[j] to the maximum of the 2×2 window x0[2j],
// x0[2j+1], x1[2j], x1[2j+1], where x0 and x1 are two adjacent input rows
// of a 2×2 max pooling with stride 2. It writes dst exactly as
// MaxPool2x2RowsGeneric does, bit for bit: among equal maxima, −0 and +0
// included, the first in row-major order wins, and a NaN wins over every
// number, the first NaN keeping its payload. It panics unless x0 and x1
// each hold exactly 2*len(dst) elements.
func MaxPool2x2Rows(dst, x0, x1 []float32) {
	checkPoolRows("MaxPool2x2Rows", dst, x0, x1)
	maxPool2x2Rows(dst, x0, x1)
}

// MaxPool2x2RowsGeneric is the plain-Go reference for MaxPool2x2Rows and
// runs on every platform. A window's first element starts as the maximum,
// and each later one replaces it only if strictly larger, or NaN where the
// maximum so far is not.
func MaxPool2x2RowsGeneric(dst, x0, x1 []float32) {
	checkPoolRows("MaxPool2x2RowsGeneric", dst, x0, x1)
	maxPool2x2RowsGeneric(dst, x0, x1)
}

func maxPool2x2RowsGeneric(dst, x0, x1 []float32) {
	// Lengths tied to len(dst) let the compiler drop the bounds checks.
	x0 = x0[:2*len(dst)]
	x1 = x1[:2*len(dst)]
	for j := range dst {
		best := x0[2*j]
		best = poolMaxStep(best, x0[2*j+1])
		best = poolMaxStep(best, x1[2*j])
		dst[j] = poolMaxStep(best, x1[2*j+1])
	}
}

// poolMaxStep returns v when it replaces best, the maximum so far of a
// window, and best otherwise.
func poolMaxStep(best, v float32) float32 {
	if poolReplaces(best, v) {
		return v
	}
	return best
}

// poolReplaces reports whether a later window element v replaces best, the
// maximum so far: v must be strictly larger, or NaN where best is not.
func poolReplaces(best, v float32) bool {
	return v > best || (v != v && best == best)
}

func checkPoolRows(op string, dst, x0, x1 []float32) {
	if len(x0) != 2*len(dst) || len(x1) != 2*len(dst) {
		panic(fmt.Sprintf("asm.%s: length mismatch: dst %d, x0 %d, x1 %d (x0 and x1 must each have length %d)",
			op, len(dst), len(x0), len(x1), 2*len(dst)))
	}
}

// MaxPool2x2Plane pools an h×w plane src, stored row by row, with 2×2
// windows at stride 2 into the (h/2)×(w/2) plane dst, with the rules of
// MaxPool2x2Rows. An odd last row or column of src is left out, as in max
// pooling without padding or ceil mode. It panics unless src holds h*w
// elements and dst (h/2)*(w/2).
func MaxPool2x2Plane(dst, src []float32, h, w int) {
	checkPoolPlane("MaxPool2x2Plane", dst, src, h, w)
	maxPool2x2Plane(dst, src, h, w)
}

// MaxPool2x2PlaneGeneric is the plain-Go reference for MaxPool2x2Plane.
func MaxPool2x2PlaneGeneric(dst, src []float32, h, w int) {
	checkPoolPlane("MaxPool2x2PlaneGeneric", dst, src, h, w)
	maxPool2x2PlaneRows(dst, src, h, w, maxPool2x2RowsGeneric)
}

// maxPool2x2PlaneRows pools a plane one row pair at a time with rows.
func maxPool2x2PlaneRows(dst, src []float32, h, w int, rows func(dst, x0, x1 []float32)) {
	oh, ow := h/2, w/2
	for r := range oh {
		top := 2 * r * w
		rows(dst[r*ow:(r+1)*ow], src[top:top+2*ow], src[top+w:top+w+2*ow])
	}
}

// MaxPool2x2PlaneIndex is MaxPool2x2Plane that also records each window's
// winner: idx[i] is the position in src of the element that dst[i] came
// from. It panics unless src holds h*w elements, and dst and idx
// (h/2)*(w/2) each.
func MaxPool2x2PlaneIndex(dst []float32, idx []int32, src []float32, h, w int) {
	checkPoolPlaneIndex("MaxPool2x2PlaneIndex", dst, idx, src, h, w)
	maxPool2x2PlaneIndex(dst, idx, src, h, w)
}

// MaxPool2x2PlaneIndexGeneric is the plain-Go reference for
// MaxPool2x2PlaneIndex.
func MaxPool2x2PlaneIndexGeneric(dst []float32, idx []int32, src []float32, h, w int) {
	checkPoolPlaneIndex("MaxPool2x2PlaneIndexGeneric", dst, idx, src, h, w)
	maxPool2x2PlaneIndexRows(dst, idx, src, h, w, maxPool2x2RowsIndexGeneric)
}

// maxPool2x2PlaneIndexRows pools a plane one row pair at a time with rows.
func maxPool2x2PlaneIndexRows(dst []float32, idx []int32, src []float32, h, w int,
	rows func(dst []float32, idx []int32, x0, x1 []float32, pos0, pos1 int32)) {
	oh, ow := h/2, w/2
	for r := range oh {
		top := 2 * r * w
		rows(dst[r*ow:(r+1)*ow], idx[r*ow:(r+1)*ow], src[top:top+2*ow], src[top+w:top+w+2*ow],
			int32(top), int32(top+w))
	}
}

func checkPoolPlaneIndex(op string, dst []float32, idx []int32, src []float32, h, w int) {
	checkPoolPlane(op, dst, src, h, w)
	if len(idx) != len(dst) {
		panic(fmt.Sprintf("asm.%s: length mismatch: dst %d, idx %d (idx must have the length of dst)",
			op, len(dst), len(idx)))
	}
	if int64(h)*int64(w) > math.MaxInt32 {
		panic(fmt.Sprintf("asm.%s: a %d×%d plane has positions beyond int32", op, h, w))
	}
}

func checkPoolPlane(op string, dst, src []float32, h, w int) {
	if h < 0 || w < 0 {
		panic(fmt.Sprintf("asm.%s: negative plane size %d×%d", op, h, w))
	}
	if len(src) != h*w || len(dst) != (h/2)*(w/2) {
		panic(fmt.Sprintf("asm.%s: length mismatch: src %d, dst %d for a %d×%d plane (expected src %d, dst %d)",
			op, len(src), len(dst), h, w, h*w, (h/2)*(w/2)))
	}
}

// MaxPool2x2RowsIndex is MaxPool2x2Rows that also records each window's
// winner for the backward pass: idx[j] is pos0+2j or pos0+2j+1 when the
// maximum dst[j] came from x0[2j] or x0[2j+1], and pos1+2j or pos1+2j+1
// when it came from x1[2j] or x1[2j+1]. pos0 and pos1 are where x0 and x1
// start in the caller's input plane. It panics unless x0 and x1 each hold
// exactly 2*len(dst) elements and idx exactly len(dst).
func MaxPool2x2RowsIndex(dst []float32, idx []int32, x0, x1 []float32, pos0, pos1 int32) {
	checkPoolRowsIndex("MaxPool2x2RowsIndex", dst, idx, x0, x1)
	maxPool2x2RowsIndex(dst, idx, x0, x1, pos0, pos1)
}

// MaxPool2x2RowsIndexGeneric is the plain-Go reference for
// MaxPool2x2RowsIndex, with the rules of MaxPool2x2RowsGeneric.
func MaxPool2x2RowsIndexGeneric(dst []float32, idx []int32, x0, x1 []float32, pos0, pos1 int32) {
	checkPoolRowsIndex("MaxPool2x2RowsIndexGeneric", dst, idx, x0, x1)
	maxPool2x2RowsIndexGeneric(dst, idx, x0, x1, pos0, pos1)
}

func maxPool2x2RowsIndexGeneric(dst []float32, idx []int32, x0, x1 []float32, pos0, pos1 int32) {
	for j := range dst {
		p := int32(2 * j)
		best, at := x0[2*j], pos0+p
		if v := x0[2*j+1]; poolReplaces(best, v) {
			best, at = v, pos0+p+1
		}
		if v := x1[2*j]; poolReplaces(best, v) {
			best, at = v, pos1+p
		}
		if v := x1[2*j+1]; poolReplaces(best, v) {
			best, at = v, pos1+p+1
		}
		dst[j] = best
		idx[j] = at
	}
}

// maxPool2x2RowsIndexKeys computes what maxPool2x2RowsIndexGeneric does
// without branches, for tiers without an assembly kernel. It compares
// integer keys that order like the floats and selects with bit masks,
// because Go compiles float comparisons to branches, which mispredict about
// half the time on random activations.
func maxPool2x2RowsIndexKeys(dst []float32, idx []int32, x0, x1 []float32, pos0, pos1 int32) {
	// Lengths tied to len(dst) let the compiler drop the bounds checks.
	x0 = x0[:2*len(dst)]
	x1 = x1[:2*len(dst)]
	idx = idx[:len(dst)]
	for j := range dst {
		p := int32(2 * j)
		best, at := poolKey(x0[2*j]), int32(0)
		best, at = poolSelect(best, poolKey(x0[2*j+1]), at, 1)
		best, at = poolSelect(best, poolKey(x1[2*j]), at, 2)
		_, at = poolSelect(best, poolKey(x1[2*j+1]), at, 3)
		// at is the window position 0 to 3 in row-major order.
		row := at >> 1
		col := at & 1
		src := x0
		if row != 0 {
			src = x1
		}
		dst[j] = src[2*j+int(col)]
		idx[j] = pos0 + (pos1-pos0)*row + p + col
	}
}

// poolKey maps v to an int32 that orders like v: larger floats give larger
// keys, −0 and +0 give the same key, and every NaN gives the largest key.
func poolKey(v float32) int32 {
	b := int32(math.Float32bits(v))
	abs := b & 0x7fffffff
	nan := (0x7f800000 - abs) >> 31 // all ones for NaN
	abs |= nan & 0x7fffffff
	sign := (b >> 31) &^ nan
	return (abs ^ sign) - sign
}

// poolSelect returns (key, pos) when key > best and (best, bestPos)
// otherwise, using only arithmetic so that no branch can mispredict.
func poolSelect(best, key, bestPos, pos int32) (int32, int32) {
	// All ones exactly when key > best. The difference is taken in int64
	// because the difference of two keys can overflow int32.
	mask := int32((int64(best) - int64(key)) >> 63)
	return best ^ ((best ^ key) & mask), bestPos ^ ((bestPos ^ pos) & mask)
}

func checkPoolRowsIndex(op string, dst []float32, idx []int32, x0, x1 []float32) {
	checkPoolRows(op, dst, x0, x1)
	if len(idx) != len(dst) {
		panic(fmt.Sprintf("asm.%s: length mismatch: dst %d, idx %d (idx must have the length of dst)",
			op, len(dst), len(idx)))
	}
}
