package main

import (
	"strings"
	"testing"

	"github.com/heed-ml/heed/mtl"
)

// TestPrintStudyVerdict checks that the sentence under the table follows
// the sign of Δm as printed, so a change that rounds to 0.00 % is a tie.
func TestPrintStudyVerdict(t *testing.T) {
	cases := []struct {
		deltaM float64
		want   string
	}{
		{-1.5, "are worse than alone (Δm -1.50%"},
		{0.8, "are better than alone (Δm +0.80%"},
		{0, "are as good as alone (Δm +0.00%"},
		{-0.004, "are as good as alone (Δm -0.00%"},
		{0.004, "are as good as alone (Δm +0.00%"},
	}
	for _, c := range cases {
		deltaM := c.deltaM
		res := &mtl.StudyResult{
			Tasks:  []string{"left"},
			Metric: "accuracy",
			Runs: []mtl.RunResult{
				{Name: "stl-left", Kind: "stl", Tasks: []string{"left"}, Test: map[string]float64{"left_accuracy": 0.5}, Params: 10, SecondsPerEpoch: 1},
				{Name: "mtl-equal", Kind: "mtl", Tasks: []string{"left"}, Test: map[string]float64{"left_accuracy": 0.5}, Params: 10, SecondsPerEpoch: 1,
					DeltaM: &deltaM, TaskDelta: []float64{0}},
			},
		}
		var out strings.Builder
		printStudy(&out, studySetup{Dataset: "multimnist", Model: "mlp", Epochs: 1, Batch: 1, Threads: 1}, res)
		if !strings.Contains(out.String(), "mtl-equal: jointly trained tasks "+c.want) {
			t.Errorf("Δm %v: report\n%s\nwant a line containing %q", c.deltaM, out.String(), c.want)
		}
	}
}
