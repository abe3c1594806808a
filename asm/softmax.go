package asm

// softmaxRowsWith builds SoftmaxRows from a tier's kernels: the row maximum,
// the shifted exponentials, their float64 sum and the scaling each run as
// one vector pass, in the same order of operations as SoftmaxRowsGeneric.
func softmaxRowsWith(maxf func(x []float32) float32, subScalar func(dst, x []float32, s float32),
	exp func(dst, x []float32), sum64 func(x []float32) float64, mulScalar func(dst, x []float32, s float32),
) func(dst, x []float32, rows, cols int) {
	return func(dst, x []float32, rows, cols int) {
		for r := 0; r < rows; r++ {
			row := x[r*cols : (r+1)*cols]
			out := dst[r*cols : (r+1)*cols]
			m := maxf(row)
			subScalar(out, row, m)
			exp(out, out)
			s := sum64(out)
			mulScalar(out, out, float32(1/s))
		}
	}
}
