package bench

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/heed-ml/heed/asm"
)

// The benchmarks below report the same quantities as Run, in the format
// benchstat reads:
//
//	go test -run '^$' -bench . -count 6 ./bench/ | tee new.txt
//	benchstat old.txt new.txt

// BenchmarkPeak times the FMA loop of each tier on one core.
func BenchmarkPeak(b *testing.B) {
	for _, tier := range asm.SupportedTiers() {
		if tier == asm.TierGeneric {
			continue
		}
		b.Run("tier="+tier.String(), func(b *testing.B) {
			var flops int64
			for b.Loop() {
				flops += asm.FMALoop(tier, 1<<14)
			}
			b.ReportMetric(float64(flops)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkSgemm times Heed's and gonum's Sgemm on every shape with one
// thread and with GOMAXPROCS threads.
func BenchmarkSgemm(b *testing.B) {
	shapes := append(append([]Shape(nil), NNShapes...), SquareShapes...)
	threads := []int{1}
	if p := runtime.GOMAXPROCS(0); p > 1 {
		threads = append(threads, p)
	}
	for _, s := range shapes {
		for _, th := range threads {
			for _, impl := range []string{"heed", "gonum"} {
				name := fmt.Sprintf("shape=%dx%dx%d/threads=%d/impl=%s", s.M, s.K, s.N, th, impl)
				b.Run(name, func(b *testing.B) {
					f := HeedSgemm(s)
					if impl == "gonum" {
						if testing.Short() && s.Flops() > 1e9 {
							b.Skip("gonum takes seconds per call at this size; run without -short")
						}
						f = GonumSgemm(s)
					}
					withThreads(th, func() {
						for b.Loop() {
							f()
						}
					})
					b.ReportMetric(s.Flops()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}

// BenchmarkStream times the elementwise kernels and reductions on 64 MiB
// inputs, and copy on the same size for the bandwidth they are measured
// against.
func BenchmarkStream(b *testing.B) {
	const size = 64 << 20
	n := size / 4
	b.Run("kernel=copy", func(b *testing.B) {
		src, dst := make([]float32, n), make([]float32, n)
		b.SetBytes(2 * size)
		for b.Loop() {
			copy(dst, src)
		}
	})
	for _, st := range Streams {
		b.Run("kernel="+st.Name, func(b *testing.B) {
			f := st.New(n)
			b.SetBytes(int64(st.Bytes(n)))
			for b.Loop() {
				f()
			}
		})
	}
}
