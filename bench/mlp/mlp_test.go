package mlp

import (
	"fmt"
	"testing"
)

// BenchmarkTrainStep reports samples per second of one MLP training step
// at the batch sizes the PyTorch reference times:
//
//	go test -run '^$' -bench TrainStep -count 6 ./bench/mlp/
func BenchmarkTrainStep(b *testing.B) {
	for _, batch := range []int{32, 128} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			step := NewStep(batch, 1)
			b.ReportAllocs()
			for b.Loop() {
				step()
			}
			b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}

func TestStepRuns(t *testing.T) {
	step := NewStep(4, 1)
	for i := 0; i < 3; i++ {
		step()
	}
}
