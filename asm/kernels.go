package asm

import "fmt"

// kernelTable holds the implementation of each dispatched kernel for the
// current tier. install fills it once at start-up and again on SetTier.
type kernelTable struct {
	addTo, subTo, mulTo, divTo func(dst, x, y []float32)
	addScalarTo, subScalarTo   func(dst, x []float32, s float32)
	mulScalarTo, divScalarTo   func(dst, x []float32, s float32)
	scalarSubTo, scalarDivTo   func(dst []float32, s float32, x []float32)
	scalUnitary                func(alpha float32, x []float32)
	axpyUnitary                func(alpha float32, x, y []float32)
	dotUnitary                 func(x, y []float32) float32
	reluTo                     func(dst, x []float32)
	reluBackwardTo             func(dst, dy, x []float32)
	expTo                      func(dst, x []float32)
	sum, max                   func(x []float32) float32
	softmaxRows                func(dst, x []float32, rows, cols int)
	sgemm                      func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	adamUpdate                 func(c *AdamStep, p, g, m, v []float32)
}

var impl kernelTable

// genericTable is the plain-Go implementation of every kernel.
var genericTable = kernelTable{
	addTo: AddToGeneric, subTo: SubToGeneric, mulTo: MulToGeneric, divTo: DivToGeneric,
	addScalarTo: AddScalarToGeneric, subScalarTo: SubScalarToGeneric,
	mulScalarTo: MulScalarToGeneric, divScalarTo: DivScalarToGeneric,
	scalarSubTo: ScalarSubToGeneric, scalarDivTo: ScalarDivToGeneric,
	scalUnitary: ScalUnitaryGeneric, axpyUnitary: AxpyUnitaryGeneric, dotUnitary: DotUnitaryGeneric,
	reluTo: ReluToGeneric, reluBackwardTo: ReluBackwardToGeneric, expTo: ExpToGeneric,
	sum: SumGeneric, max: MaxGeneric, softmaxRows: SoftmaxRowsGeneric, sgemm: SgemmGeneric,
	adamUpdate: AdamUpdateGeneric,
}

// install points every kernel at tier t's implementation, falling back to
// the generic kernel wherever the tier has none.
func install(t Tier) {
	impl = genericTable
	installArch(t, &impl)
	current = t
}

func checkLen2(op string, dst, x []float32) {
	if len(dst) != len(x) {
		panic(fmt.Sprintf("asm.%s: length mismatch: dst %d, x %d", op, len(dst), len(x)))
	}
}

func checkLen3(op string, dst, x, y []float32) {
	if len(dst) != len(x) || len(dst) != len(y) {
		panic(fmt.Sprintf("asm.%s: length mismatch: dst %d, x %d, y %d", op, len(dst), len(x), len(y)))
	}
}

// AddTo sets dst[i] = x[i] + y[i]. dst may alias x or y.
func AddTo(dst, x, y []float32) { checkLen3("AddTo", dst, x, y); impl.addTo(dst, x, y) }

// SubTo sets dst[i] = x[i] - y[i]. dst may alias x or y.
func SubTo(dst, x, y []float32) { checkLen3("SubTo", dst, x, y); impl.subTo(dst, x, y) }

// MulTo sets dst[i] = x[i] * y[i]. dst may alias x or y.
func MulTo(dst, x, y []float32) { checkLen3("MulTo", dst, x, y); impl.mulTo(dst, x, y) }

// DivTo sets dst[i] = x[i] / y[i]. dst may alias x or y.
func DivTo(dst, x, y []float32) { checkLen3("DivTo", dst, x, y); impl.divTo(dst, x, y) }

// AddScalarTo sets dst[i] = x[i] + s.
func AddScalarTo(dst, x []float32, s float32) {
	checkLen2("AddScalarTo", dst, x)
	impl.addScalarTo(dst, x, s)
}

// SubScalarTo sets dst[i] = x[i] - s.
func SubScalarTo(dst, x []float32, s float32) {
	checkLen2("SubScalarTo", dst, x)
	impl.subScalarTo(dst, x, s)
}

// ScalarSubTo sets dst[i] = s - x[i].
func ScalarSubTo(dst []float32, s float32, x []float32) {
	checkLen2("ScalarSubTo", dst, x)
	impl.scalarSubTo(dst, s, x)
}

// MulScalarTo sets dst[i] = x[i] * s.
func MulScalarTo(dst, x []float32, s float32) {
	checkLen2("MulScalarTo", dst, x)
	impl.mulScalarTo(dst, x, s)
}

// DivScalarTo sets dst[i] = x[i] / s.
func DivScalarTo(dst, x []float32, s float32) {
	checkLen2("DivScalarTo", dst, x)
	impl.divScalarTo(dst, x, s)
}

// ScalarDivTo sets dst[i] = s / x[i].
func ScalarDivTo(dst []float32, s float32, x []float32) {
	checkLen2("ScalarDivTo", dst, x)
	impl.scalarDivTo(dst, s, x)
}

// ScalUnitary sets x[i] *= alpha.
func ScalUnitary(alpha float32, x []float32) { impl.scalUnitary(alpha, x) }

// AxpyUnitary sets y[i] += alpha * x[i].
func AxpyUnitary(alpha float32, x, y []float32) {
	checkLen2("AxpyUnitary", y, x)
	impl.axpyUnitary(alpha, x, y)
}

// DotUnitary returns the sum of x[i] * y[i].
func DotUnitary(x, y []float32) float32 {
	checkLen2("DotUnitary", x, y)
	return impl.dotUnitary(x, y)
}

// ReluTo sets dst[i] = max(x[i], 0), passing NaN through.
func ReluTo(dst, x []float32) { checkLen2("ReluTo", dst, x); impl.reluTo(dst, x) }

// ReluBackwardTo sets dst[i] = dy[i] where x[i] > 0 and 0 elsewhere.
func ReluBackwardTo(dst, dy, x []float32) {
	checkLen3("ReluBackwardTo", dst, dy, x)
	impl.reluBackwardTo(dst, dy, x)
}

// ExpTo sets dst[i] = exp(x[i]).
func ExpTo(dst, x []float32) { checkLen2("ExpTo", dst, x); impl.expTo(dst, x) }

// Sum returns the sum of x.
func Sum(x []float32) float32 { return impl.sum(x) }

// Max returns the largest element of x, NaN if x contains NaN, and -Inf if
// x is empty.
func Max(x []float32) float32 { return impl.max(x) }

// SoftmaxRows writes the softmax of each row of the rows×cols row-major
// matrix x into dst. dst may alias x.
func SoftmaxRows(dst, x []float32, rows, cols int) {
	if rows < 0 || cols < 0 || len(x) != rows*cols || len(dst) != rows*cols {
		panic(fmt.Sprintf("asm.SoftmaxRows: %d×%d rows need %d elements, have dst %d, x %d", rows, cols, rows*cols, len(dst), len(x)))
	}
	impl.softmaxRows(dst, x, rows, cols)
}

// Sgemm computes C = alpha·op(A)·op(B) + beta·C on row-major matrices; see
// SgemmGeneric for the exact loop. C is not read when beta is 0.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkSgemm("Sgemm", transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	impl.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
