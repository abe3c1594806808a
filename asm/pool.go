package asm

import "fmt"

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

// poolMaxStep returns v when it should replace best, the maximum so far of
// a window, and best otherwise.
func poolMaxStep(best, v float32) float32 {
	if v > best || (v != v && best == best) {
		return v
	}
	return best
}

func checkPoolRows(op string, dst, x0, x1 []float32) {
	if len(x0) != 2*len(dst) || len(x1) != 2*len(dst) {
		panic(fmt.Sprintf("asm.%s: length mismatch: dst %d, x0 %d, x1 %d (x0 and x1 must each have length %d)",
			op, len(dst), len(x0), len(x1), 2*len(dst)))
	}
}
