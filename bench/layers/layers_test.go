package layers

import "testing"

func TestEveryCaseRuns(t *testing.T) {
	cases := Cases()
	if len(cases) != 14 {
		t.Fatalf("%d cases, want 14 (6 conv, 4 pool, 2 CNN, 2 attention)", len(cases))
	}
	for _, c := range cases {
		call := c.New()
		call()
		call()
	}
}

// BenchmarkLayers times every case; run it on one thread to compare with
// the PyTorch anchor's torch.set_num_threads(1):
//
//	go test -run '^$' -bench Layers -cpu 1 ./bench/layers/
func BenchmarkLayers(b *testing.B) {
	for _, c := range Cases() {
		b.Run(c.Name+"/"+c.Shape, func(b *testing.B) {
			call := c.New()
			for b.Loop() {
				call()
			}
			b.ReportMetric(float64(c.Batch*b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
