package asm

import (
	"fmt"
	"sync"
)

// SgemmGeneric computes C = alpha·op(A)·op(B) + beta·C on row-major matrices,
// where op(A) is m×k, op(B) is k×n and C is m×n:
//
//	for i := 0; i < m; i++ {
//		for j := 0; j < n; j++ {
//			var s float32
//			for p := 0; p < k; p++ { s += opA(i, p) * opB(p, j) }
//			c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]   // c is not read when beta == 0
//		}
//	}
//
// opA(i, p) is a[i*lda+p], or a[p*lda+i] when transA; opB likewise.
// The loops run in i-p-j order, so each element's products are added in
// increasing p. Rows of C are split across Threads() goroutines, and the
// result does not depend on their number. No product is skipped, so a NaN
// or Inf in either operand reaches C even where the other operand is zero.
func SgemmGeneric(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkSgemm("SgemmGeneric", transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}

	// Bring both operands to plain row-major form so the inner loop is a
	// unit-stride axpy over a row of B.
	if transA {
		a, lda = transposeCopy(a, lda, k, m), k
	}
	if transB {
		b, ldb = transposeCopy(b, ldb, n, k), n
	}

	rowsPerTask := m
	workers := Threads()
	if workers > 1 && m*n*k >= 1<<16 && m > 1 {
		rowsPerTask = (m + workers - 1) / workers
	}
	var wg sync.WaitGroup
	for start := 0; start < m; start += rowsPerTask {
		end := min(start+rowsPerTask, m)
		if end-start == m {
			sgemmRows(start, end, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sgemmRows(start, end, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		}()
	}
	wg.Wait()
}

// sgemmRows computes rows [start, end) of C for non-transposed A and B.
func sgemmRows(start, end, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	acc := make([]float32, n)
	for i := start; i < end; i++ {
		clear(acc)
		arow := a[i*lda : i*lda+k]
		for p, av := range arow {
			brow := b[p*ldb : p*ldb+n]
			for j, bv := range brow {
				acc[j] += av * bv
			}
		}
		crow := c[i*ldc : i*ldc+n]
		if beta == 0 {
			for j := range crow {
				crow[j] = alpha * acc[j]
			}
		} else {
			for j := range crow {
				crow[j] = alpha*acc[j] + beta*crow[j]
			}
		}
	}
}

// transposeCopy returns the cols×rows transpose of the rows×cols matrix x
// with leading dimension ld, packed with leading dimension rows.
func transposeCopy(x []float32, ld, rows, cols int) []float32 {
	out := make([]float32, rows*cols)
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			out[c*rows+r] = x[r*ld+c]
		}
	}
	return out
}

// checkSgemm panics, naming the kernel and the sizes, when the slices are too
// short for the requested shapes or a leading dimension is too small.
func checkSgemm(name string, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("asm.%s: negative size m=%d n=%d k=%d", name, m, n, k))
	}
	aRows, aCols := m, k
	if transA {
		aRows, aCols = k, m
	}
	bRows, bCols := k, n
	if transB {
		bRows, bCols = n, k
	}
	check := func(what string, x []float32, ld, rows, cols int) {
		if ld < max(cols, 1) {
			panic(fmt.Sprintf("asm.%s: leading dimension of %s is %d, less than its %d columns", name, what, ld, cols))
		}
		if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
			panic(fmt.Sprintf("asm.%s: %s has %d elements, need %d for %d×%d with leading dimension %d", name, what, len(x), (rows-1)*ld+cols, rows, cols, ld))
		}
	}
	check("A", a, lda, aRows, aCols)
	check("B", b, ldb, bRows, bCols)
	check("C", c, ldc, m, n)
}
