//go:build !amd64 || purego

package asm

func maxPool2x2Rows(dst, x0, x1 []float32) { maxPool2x2RowsGeneric(dst, x0, x1) }
