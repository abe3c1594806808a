//go:build !amd64 || purego

package asm

func maxPool2x2Rows(dst, x0, x1 []float32) { maxPool2x2RowsGeneric(dst, x0, x1) }

func maxPool2x2RowsIndex(dst []float32, idx []int32, x0, x1 []float32, pos0, pos1 int32) {
	maxPool2x2RowsIndexKeys(dst, idx, x0, x1, pos0, pos1)
}

func maxPool2x2Plane(dst, src []float32, h, w int) {
	maxPool2x2PlaneRows(dst, src, h, w, maxPool2x2RowsGeneric)
}

func maxPool2x2PlaneIndex(dst []float32, idx []int32, src []float32, h, w int) {
	maxPool2x2PlaneIndexRows(dst, idx, src, h, w, maxPool2x2RowsIndexKeys)
}
