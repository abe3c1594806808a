package tensor

import (
	"fmt"
	"slices"

	"github.com/heed-ml/heed/asm"
)

// MatMul returns the matrix product of a and b. Supported shapes:
//
//	[m,k] x [k,n]     -> [m,n]
//	[B,m,k] x [B,k,n] -> [B,m,n]
//	[B,m,k] x [k,n]   -> [B,m,n]   (b shared by every batch)
//	[m,k] x [B,k,n]   -> [B,m,n]   (a shared by every batch)
//
// A batch size of 1 broadcasts against any other. Operands that are plain
// or transposed views of contiguous data (such as x.T()) are passed to
// asm.Sgemm without copying; other layouts are copied first.
func MatMul(a, b *Tensor) *Tensor { return matMul("MatMul", nil, a, b, false, false, 0) }

// MatMulT returns op(a) x op(b), where op transposes the last two axes of
// an operand when its flag is set. Shapes are as in MatMul after op is
// applied: MatMulT(a, b, false, true) with a [m,k] and b [n,k] gives
// [m,n]. The transposition costs no copy.
func MatMulT(a, b *Tensor, transA, transB bool) *Tensor {
	return matMul("MatMulT", nil, a, b, transA, transB, 0)
}

// MatMulTInto computes dst = op(a)·op(b) + beta·dst, with op and the shapes
// as in MatMulT, and returns dst. It writes into an existing buffer, such
// as a gradient that accumulates, instead of allocating the product. dst
// must be contiguous, have the product's shape and share no memory with a
// or b. When beta is 0, dst is not read, so it may hold anything, NaN
// included.
func MatMulTInto(dst, a, b *Tensor, transA, transB bool, beta float32) *Tensor {
	return matMul("MatMulTInto", dst, a, b, transA, transB, beta)
}

// matrixOperand is one operand of a (batched) matrix product as asm.Sgemm
// reads it.
type matrixOperand struct {
	data        []float32
	offset      int
	batchStride int // 0 when one matrix serves every batch
	trans       bool
	ld          int
}

// matMul computes out = op(a)·op(b) + beta·out into dst, or into a new
// zero tensor when dst is nil.
func matMul(op string, dst, a, b *Tensor, transA, transB bool, beta float32) *Tensor {
	if a.Dims() < 2 || a.Dims() > 3 || b.Dims() < 2 || b.Dims() > 3 {
		panic(fmt.Sprintf("tensor.%s: shapes %v and %v: operands must be 2-D or 3-D", op, a.shape, b.shape))
	}
	if transA {
		a = a.Transpose(-2, -1)
	}
	if transB {
		b = b.Transpose(-2, -1)
	}
	m, k := a.shape[a.Dims()-2], a.shape[a.Dims()-1]
	k2, n := b.shape[b.Dims()-2], b.shape[b.Dims()-1]
	if k != k2 {
		panic(fmt.Sprintf("tensor.%s: shapes %v and %v (transA=%v, transB=%v): inner dimensions %d and %d differ",
			op, a.shape, b.shape, transA, transB, k, k2))
	}
	batchA, batchB := batchSize(a), batchSize(b)
	batch := batchA
	if batchA == 1 {
		batch = batchB
	}
	if batchA != batchB && batchA != 1 && batchB != 1 {
		panic(fmt.Sprintf("tensor.%s: shapes %v and %v: batch sizes %d and %d differ", op, a.shape, b.shape, batchA, batchB))
	}

	outShape := []int{batch, m, n}
	if a.Dims() == 2 && b.Dims() == 2 {
		outShape = outShape[1:]
	}
	out := dst
	if out == nil {
		out = Zeros(outShape...)
	} else if !slices.Equal(out.shape, outShape) || !out.IsContiguous() {
		panic(fmt.Sprintf("tensor.%s: shapes %v and %v (transA=%v, transB=%v) give %v; destination has shape %v, strides %v and must be that shape and contiguous",
			op, a.shape, b.shape, transA, transB, outShape, out.shape, out.strides))
	}
	if m == 0 || n == 0 || batch == 0 {
		return out
	}
	outData := out.Data()
	if k == 0 {
		// An empty sum: the product is zero, so out becomes beta·out.
		if beta == 0 {
			clear(outData)
		} else {
			asm.ScalUnitary(beta, outData)
		}
		return out
	}

	ma, mb := asMatrix(a, batchA == 1), asMatrix(b, batchB == 1)

	// When b is shared and a's rows are evenly spaced across batches, the
	// whole batch is one [batch*m, k] x [k, n] product: one Sgemm call that
	// can split its rows across cores.
	if batch > 1 && mb.batchStride == 0 && !ma.trans && ma.batchStride == m*ma.ld {
		asm.Sgemm(false, mb.trans, batch*m, n, k, 1, ma.data[ma.offset:], ma.ld, mb.data[mb.offset:], mb.ld, beta, outData, n)
		return out
	}
	for i := range batch {
		pa := ma.offset + i*ma.batchStride
		pb := mb.offset + i*mb.batchStride
		asm.Sgemm(ma.trans, mb.trans, m, n, k, 1, ma.data[pa:], ma.ld, mb.data[pb:], mb.ld, beta, outData[i*m*n:(i+1)*m*n], n)
	}
	return out
}

// batchSize returns the leading axis of a 3-D operand and 1 for a 2-D one.
func batchSize(t *Tensor) int {
	if t.Dims() == 3 {
		return t.shape[0]
	}
	return 1
}

// asMatrix describes t's last two axes for asm.Sgemm, copying t to
// contiguous memory only when its layout is neither row-major nor
// column-major with some leading dimension. shared means a single matrix
// serves every batch.
func asMatrix(t *Tensor, shared bool) matrixOperand {
	nd := t.Dims()
	rows, cols := t.shape[nd-2], t.shape[nd-1]
	rs, cs := t.strides[nd-2], t.strides[nd-1]
	trans, ld, ok := matrixLayout(rows, cols, rs, cs)
	if !ok {
		t = t.Clone()
		rs, cs = t.strides[nd-2], t.strides[nd-1]
		trans, ld, _ = matrixLayout(rows, cols, rs, cs)
	}
	m := matrixOperand{data: t.data, offset: t.offset, trans: trans, ld: ld}
	if nd == 3 && !shared {
		m.batchStride = t.strides[0]
	}
	return m
}

// matrixLayout reports how Sgemm can read a rows×cols matrix whose elements
// are strided by rs and cs: row-major (trans false) or as the transpose of
// a row-major cols×rows matrix (trans true), with leading dimension ld.
// Strides of size-1 axes do not matter, so a single row or column fits
// either way. ok is false for any other layout, such as a broadcast view
// with stride 0.
func matrixLayout(rows, cols, rs, cs int) (trans bool, ld int, ok bool) {
	if cols == 1 || cs == 1 {
		ld = rs
		if rows == 1 {
			ld = cols
		}
		if ld >= max(cols, 1) {
			return false, ld, true
		}
	}
	if rows == 1 || rs == 1 {
		ld = cs
		if cols == 1 {
			ld = rows
		}
		if ld >= max(rows, 1) {
			return true, ld, true
		}
	}
	return false, 0, false
}
