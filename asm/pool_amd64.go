//go:build !purego

package asm

// maxPool2x2Rows runs the current tier's kernel. The AVX2 kernel takes
// whole groups of eight outputs, and the generic loop finishes the rest.
func maxPool2x2Rows(dst, x0, x1 []float32) {
	switch {
	case current >= TierAVX512:
		if len(dst) > 0 {
			maxPool2x2AVX512(&dst[0], &x0[0], &x1[0], 1, len(dst), 0)
		}
	case current >= TierAVX2:
		n := len(dst) &^ 7
		if n > 0 {
			maxPool2x2RowsAVX2(dst[:n], x0[:2*n], x1[:2*n])
		}
		maxPool2x2RowsGeneric(dst[n:], x0[2*n:], x1[2*n:])
	default:
		maxPool2x2RowsGeneric(dst, x0, x1)
	}
}

// maxPool2x2Plane runs the AVX-512 kernel over the whole plane in one call,
// which saves a call per row pair, and the row kernel per row pair on
// other tiers.
func maxPool2x2Plane(dst, src []float32, h, w int) {
	oh, ow := h/2, w/2
	if current >= TierAVX512 {
		if oh > 0 && ow > 0 {
			maxPool2x2AVX512(&dst[0], &src[0], &src[w], oh, ow, 2*w)
		}
		return
	}
	maxPool2x2PlaneRows(dst, src, h, w, maxPool2x2Rows)
}

// maxPool2x2AVX512 computes, where x0 and x1 point to rows of at least
// 2*ow elements, rows row pairs apart by step elements, and dst to
// rows*ow outputs,
//
//	for r := range rows {
//		for j := range ow {
//			best := x0[r*step+2*j]
//			for _, v := range []float32{x0[r*step+2*j+1], x1[r*step+2*j], x1[r*step+2*j+1]} {
//				if v > best || (v != v && best == best) {
//					best = v
//				}
//			}
//			dst[r*ow+j] = best
//		}
//	}
//
//go:noescape
func maxPool2x2AVX512(dst, x0, x1 *float32, rows, ow, step int)

// maxPool2x2RowsAVX2 computes the loop of maxPool2x2AVX512 for one row pair
// (rows 1), with len(dst) a multiple of 8 outputs.
//
//go:noescape
func maxPool2x2RowsAVX2(dst, x0, x1 []float32)

// maxPool2x2RowsIndex runs the AVX-512 kernel where the tier allows, and
// the branch-free Go loop otherwise.
func maxPool2x2RowsIndex(dst []float32, idx []int32, x0, x1 []float32, pos0, pos1 int32) {
	if current < TierAVX512 {
		maxPool2x2RowsIndexKeys(dst, idx, x0, x1, pos0, pos1)
		return
	}
	if len(dst) > 0 {
		maxPool2x2IndexAVX512(&dst[0], &idx[0], &x0[0], &x1[0], 1, len(dst), 0, pos0, pos1)
	}
}

// maxPool2x2PlaneIndex runs the AVX-512 kernel over the whole plane in one
// call, and the branch-free Go loop per row pair on other tiers.
func maxPool2x2PlaneIndex(dst []float32, idx []int32, src []float32, h, w int) {
	oh, ow := h/2, w/2
	if current < TierAVX512 {
		maxPool2x2PlaneIndexRows(dst, idx, src, h, w, maxPool2x2RowsIndexKeys)
		return
	}
	if oh > 0 && ow > 0 {
		maxPool2x2IndexAVX512(&dst[0], &idx[0], &src[0], &src[w], oh, ow, 2*w, 0, int32(w))
	}
}

// maxPool2x2IndexAVX512 computes, where x0 and x1 point to rows of at
// least 2*ow elements, rows row pairs apart by step elements, and dst and
// idx to rows*ow outputs,
//
//	for r := range rows {
//		for j := range ow {
//			p0, p1 := pos0+int32(r*step+2*j), pos1+int32(r*step+2*j)
//			best, at := x0[r*step+2*j], p0
//			for i, v := range []float32{x0[r*step+2*j+1], x1[r*step+2*j], x1[r*step+2*j+1]} {
//				if v > best || (v != v && best == best) {
//					best, at = v, []int32{p0 + 1, p1, p1 + 1}[i]
//				}
//			}
//			dst[r*ow+j], idx[r*ow+j] = best, at
//		}
//	}
//
//go:noescape
func maxPool2x2IndexAVX512(dst *float32, idx *int32, x0, x1 *float32, rows, ow, step int, pos0, pos1 int32)
