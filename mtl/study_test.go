package mtl

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
)

// toyStudy returns a study of the toy tasks "a" and "b" with a 4-16 trunk.
func toyStudy() StudyConfig {
	return StudyConfig{
		Train: toySet(512, 1), Test: toySet(256, 2), Tasks: []string{"a", "b"},
		Trunk: func(rng *rand.Rand) nn.Module {
			return nn.NewSequential(nn.NewFlatten(), nn.NewDense(4, 16, rng), nn.ReLU{})
		},
		Head: func(rng *rand.Rand, _ string) nn.Module { return nn.NewDense(16, 2, rng) },
		Optimizer: func(params []*autodiff.Value) optim.Optimizer {
			return optim.NewAdam(params, 1e-2)
		},
		Fit: FitConfig{Epochs: 3, BatchSize: 32, Seed: 1},
	}
}

func TestRunStudyComparesAgainstSingleTask(t *testing.T) {
	res, err := RunStudy(toyStudy())
	if err != nil {
		t.Fatal(err)
	}

	if len(res.Runs) != 3 || res.Runs[0].Name != "stl-a" || res.Runs[1].Name != "stl-b" || res.Runs[2].Name != "mtl-equal" {
		t.Fatalf("runs = %v, want stl-a, stl-b, mtl-equal", runNames(res))
	}
	multi := res.Runs[2]
	stlA, stlB := res.STL("a").Test["a_accuracy"], res.STL("b").Test["b_accuracy"]
	want := DeltaM([]float64{multi.Test["a_accuracy"], multi.Test["b_accuracy"]}, []float64{stlA, stlB})
	if multi.DeltaM == nil || math.Abs(*multi.DeltaM-want) > 1e-12 {
		t.Errorf("Δm = %v, want %v from the runs' accuracies", multi.DeltaM, want)
	}
	// 4·16+16 trunk, 16·2+2 per head.
	if res.Runs[0].Params != 80+34 || multi.Params != 80+2*34 {
		t.Errorf("params stl %d, mtl %d, want 114 and 148", res.Runs[0].Params, multi.Params)
	}
}

func TestRunStudyBuildsMultiModel(t *testing.T) {
	cfg := toyStudy()
	var got []string
	cfg.MultiModel = func(rng *rand.Rand, tasks []*Task) (Model, error) {
		for _, task := range tasks {
			got = append(got, task.Name)
		}
		// A wider trunk than the single-task runs get.
		trunk := nn.NewSequential(nn.NewFlatten(), nn.NewDense(4, 32, rng), nn.ReLU{}, nn.NewDense(32, 16, rng))
		return NewHardSharing(trunk, tasks...)
	}
	res, err := RunStudy(cfg)
	if err != nil {
		t.Fatal(err)
	}

	if len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("MultiModel got tasks %v, want [a b]", got)
	}
	// 4·32+32 + 32·16+16 = 688 trunk, 34 per head; single-task runs keep
	// the 4-16 trunk.
	if res.Runs[0].Params != 114 || res.Runs[2].Params != 688+68 {
		t.Errorf("params stl %d, mtl %d, want 114 and 756", res.Runs[0].Params, res.Runs[2].Params)
	}
}

func runNames(res *StudyResult) []string {
	var names []string
	for _, r := range res.Runs {
		names = append(names, r.Name)
	}
	return names
}
