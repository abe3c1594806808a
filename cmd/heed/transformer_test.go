package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/mtl"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
	"github.com/heed-ml/heed/tensor"
)

// randomImages returns a [batch, 1, 36, 36] constant of uniform pixels.
func randomImages(rng *rand.Rand, batch int) *autodiff.Value {
	return autodiff.Const(tensor.RandUniform(rng, 0, 1, batch, 1, 36, 36))
}

func paramNames(ps []nn.Param) []string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return names
}

func TestRowTransformerShapeAndParams(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	trunk := newRowTransformer(rng)

	out := trunk.Forward(randomImages(rng, 3))
	if got := out.Shape(); !slices.Equal(got, []int{3, 64}) {
		t.Errorf("output shape %v, want [3 64]", got)
	}

	names := paramNames(trunk.Params())
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("parameter name %q appears twice", n)
		}
		seen[n] = true
	}
	for _, want := range []string{
		"embed.weight", "embed.bias",
		"encoder.layers.0.self_attn.in_proj.weight",
		"encoder.layers.1.linear2.bias",
		"encoder.layers.1.norm2.weight",
	} {
		if !seen[want] {
			t.Errorf("parameters %v lack %q", names, want)
		}
	}
	again := paramNames(newRowTransformer(rand.New(rand.NewPCG(7, 7))).Params())
	if !slices.Equal(names, again) {
		t.Errorf("parameter names differ between two trunks:\n%v\n%v", names, again)
	}

	// The 36 → 64 embedding, then per layer a 64·192 + 192 input
	// projection, a 64·64 + 64 output projection, a 64·128 + 128 and a
	// 128·64 + 64 feed-forward layer and two layer norms of 64 + 64.
	perLayer := 64*192 + 192 + 64*64 + 64 + 64*128 + 128 + 128*64 + 64 + 2*(64+64)
	want := 36*64 + 64 + 2*perLayer
	if got := nn.CountParams(trunk.Params()); got != want {
		t.Errorf("trunk has %d parameters, want %d", got, want)
	}
}

func TestRowTransformerRejectsBadShape(t *testing.T) {
	trunk := newRowTransformer(rand.New(rand.NewPCG(1, 2)))
	for _, shape := range [][]int{{2, 36, 36}, {2, 3, 36, 36}, {2, 1, 28, 28}} {
		func() {
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.Contains(msg, "want [batch, 1, 36, 36]") {
					t.Errorf("input %v: panic %q, want one naming the expected shape", shape, msg)
				}
			}()
			trunk.Forward(autodiff.Const(tensor.Zeros(shape...)))
		}()
	}
}

// TestRowTransformerDeterministicDropout checks that one seed gives the
// same bits, that dropout is on in training mode and that
// HardSharing.SetTraining(false) turns it off.
func TestRowTransformerDeterministicDropout(t *testing.T) {
	x := randomImages(rand.New(rand.NewPCG(3, 4)), 2)
	forward := func(trunk nn.Module) []float32 {
		return slices.Clone(trunk.Forward(x).Data().Contiguous().Data())
	}

	a, b := newRowTransformer(rand.New(rand.NewPCG(1, 2))), newRowTransformer(rand.New(rand.NewPCG(1, 2)))
	first := forward(a)
	if !slices.Equal(first, forward(b)) {
		t.Error("two trunks from the same seed give different outputs in training mode")
	}
	if slices.Equal(first, forward(a)) {
		t.Error("two training-mode passes give the same output; dropout seems off")
	}

	model, err := mtl.NewHardSharing(a, mtl.NewTask("left", nn.NewDense(64, 10, rand.New(rand.NewPCG(5, 6)))))
	if err != nil {
		t.Fatal(err)
	}
	model.SetTraining(false)
	eval := forward(a)
	if !slices.Equal(eval, forward(a)) {
		t.Error("two evaluation-mode passes differ; dropout is still on")
	}
	model.SetTraining(true)
	if slices.Equal(eval, forward(a)) {
		t.Error("SetTraining(true) did not turn dropout back on")
	}
}

func TestRowTransformerTrainingLowersLoss(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	trunk := newRowTransformer(rng)
	head := nn.NewDense(64, 10, rng)
	x := randomImages(rng, 8)
	labels := []int{0, 1, 2, 3, 4, 5, 6, 7}
	loss := func() *autodiff.Value { return nn.CrossEntropy(head.Forward(trunk.Forward(x)), labels) }
	evalLoss := func() float32 {
		trunk.SetTraining(false)
		defer trunk.SetTraining(true)
		return loss().Item()
	}

	params := nn.Values(append(trunk.Params(), head.Params()...))
	opt := optim.NewAdam(params, 1e-3)
	before := evalLoss()
	for range 20 {
		opt.ZeroGrad()
		l := loss()
		l.Backward()
		opt.Step()
	}
	after := evalLoss()
	if !(after < 0.8*before) {
		t.Errorf("loss %.4f after 20 Adam steps, want below 80%% of the initial %.4f", after, before)
	}
	for _, p := range trunk.Params() {
		if p.Value.Grad() == nil {
			t.Errorf("parameter %s got no gradient", p.Name)
		}
	}
}

// transformerStudy is the part of results.json that
// TestParadoxTransformerEndToEnd checks.
type transformerStudy struct {
	Setup struct {
		Model string `json:"model"`
	} `json:"setup"`
	Study struct {
		Runs []struct {
			Name    string             `json:"name"`
			Test    map[string]float64 `json:"test"`
			Params  int                `json:"params"`
			History struct {
				Values map[string][]float64 `json:"values"`
			} `json:"history"`
		} `json:"runs"`
	} `json:"study"`
}

// runTransformerStudy runs a tiny -model transformer study with equal and
// mgda-ub on fake MNIST data and returns its results.json.
func runTransformerStudy(t *testing.T, data string) transformerStudy {
	t.Helper()
	out := filepath.Join(t.TempDir(), "results")
	err := runParadox([]string{"-mnist-dir", data, "-model", "transformer", "-train-limit", "64", "-test-limit", "32",
		"-epochs", "1", "-batch", "32", "-strategies", "equal,mgda-ub", "-out", out, "-quiet"})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res transformerStudy
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("results.json is not valid JSON: %v", err)
	}
	return res
}

func TestParadoxTransformerEndToEnd(t *testing.T) {
	data := fakeMNIST(t)
	res := runTransformerStudy(t, data)
	if res.Setup.Model != "transformer" {
		t.Errorf("setup model %q, want transformer", res.Setup.Model)
	}
	var names []string
	for _, r := range res.Study.Runs {
		names = append(names, r.Name)
	}
	if strings.Join(names, ",") != "stl-left,stl-right,mtl-equal,mtl-mgda-ub" {
		t.Fatalf("runs %v, want stl-left, stl-right, mtl-equal, mtl-mgda-ub", names)
	}
	// The multi-task model has one more 64·10 + 10 head.
	for _, r := range res.Study.Runs[2:] {
		if diff := r.Params - res.Study.Runs[0].Params; diff != 650 {
			t.Errorf("%s has %d more parameters than single-task, want 650", r.Name, diff)
		}
		if _, ok := r.Test["left_accuracy"]; !ok {
			t.Errorf("%s test metrics %v lack left_accuracy", r.Name, r.Test)
		}
	}

	// The same seed again: every loss and test metric must repeat exactly.
	again := runTransformerStudy(t, data)
	for i, r := range res.Study.Runs {
		s := again.Study.Runs[i]
		if len(r.History.Values) == 0 {
			t.Errorf("%s recorded no training history", r.Name)
		}
		if !maps.Equal(r.Test, s.Test) {
			t.Errorf("%s test metrics %v, then %v with the same seed", r.Name, r.Test, s.Test)
		}
		if !maps.EqualFunc(r.History.Values, s.History.Values, slices.Equal[[]float64]) {
			t.Errorf("%s training history %v, then %v with the same seed", r.Name, r.History.Values, s.History.Values)
		}
	}
}
