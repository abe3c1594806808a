package main

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
	"github.com/heed-ml/heed/tensor"
)

func TestRunRejectsBadFlags(t *testing.T) {
	cases := []struct {
		name                      string
		epochs, batch, trainLimit int
		lr                        float64
		want                      string
	}{
		{"zero epochs", 0, 64, 0, 1e-3, "-epochs 0"},
		{"zero batch", 1, 0, 0, 1e-3, "-batch 0"},
		{"negative limit", 1, 64, -5, 1e-3, "-train-limit -5"},
		{"zero rate", 1, 64, 0, 0, "-lr 0"},
	}
	for _, tc := range cases {
		err := run(tc.epochs, tc.batch, tc.lr, 1, "", tc.trainLimit)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", tc.name, err, tc.want)
		}
	}
}

func TestRunMissingDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "absent")
	err := run(1, 64, 1e-3, 1, dir, 0)
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Fatalf("error %v, want one naming %s", err, dir)
	}
}

// TestModelTrainStep runs one AdamW step on a random batch of 64 and
// checks the output shape, the parameter names and that the step changes
// the loss. It logs the step time, which sets the epoch time (938 steps).
func TestModelTrainStep(t *testing.T) {
	m := newModel(rand.New(rand.NewPCG(1, 0)))
	x := autodiff.Const(tensor.RandUniform(rand.New(rand.NewPCG(2, 0)), 0, 1, 64, 1, 28, 28))
	labels := make([]int, 64)
	for i := range labels {
		labels[i] = i % 10
	}
	ps := m.Params()
	if ps[0].Name != "embed.weight" || ps[len(ps)-1].Name != "head.bias" ||
		!slices.ContainsFunc(ps, func(p nn.Param) bool { return p.Name == "encoder.layers.1.norm2.bias" }) {
		t.Fatalf("unexpected parameter names, first %q, last %q", ps[0].Name, ps[len(ps)-1].Name)
	}

	opt := optim.NewAdamW(nn.Values(ps), 1e-3)
	m.SetTraining(false)
	before := nn.CrossEntropy(m.Forward(x), labels).Item()
	m.SetTraining(true)
	start := time.Now()
	logits := m.Forward(x)
	if !slices.Equal(logits.Shape(), []int{64, 10}) {
		t.Fatalf("logits shape %v, want [64 10]", logits.Shape())
	}
	loss := nn.CrossEntropy(logits, labels)
	opt.ZeroGrad()
	loss.Backward()
	opt.Step()
	t.Logf("one training step of 64 images: %v", time.Since(start))
	m.SetTraining(false)
	if after := nn.CrossEntropy(m.Forward(x), labels).Item(); after == before {
		t.Fatalf("loss %v unchanged by a training step", after)
	}
}
