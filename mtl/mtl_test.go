package mtl

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/datasets"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
	"github.com/heed-ml/heed/tensor"
)

// TestFixedWeightsWorkedExample checks total = Σ wₜ·Lₜ and its gradient by
// hand. With a shared scalar p, L₁ = 3p and L₂ = 5p at p = 2, and weights
// 1.0 and 0.1: total = 1.0·6 + 0.1·10 = 7 and ∂total/∂p = 1.0·3 + 0.1·5 = 3.5.
func TestFixedWeightsWorkedExample(t *testing.T) {
	p := autodiff.Param(tensor.FromSlice([]float32{2}))
	l1 := autodiff.SumAll(autodiff.MulScalar(p, 3))
	l2 := autodiff.SumAll(autodiff.MulScalar(p, 5))
	tasks := []*Task{{Name: "a", Weight: 1.0}, {Name: "b", Weight: 0.1}}

	total := FixedWeights{}.Backward(tasks, []*autodiff.Value{l1, l2}, nil)
	if math.Abs(total-7) > 1e-6 {
		t.Errorf("total = %v, want 7", total)
	}
	if got := p.Grad().Item(); math.Abs(float64(got)-3.5) > 1e-6 {
		t.Errorf("∂total/∂p = %v, want 3.5", got)
	}
}

// TestEqualWeightsIgnoresTaskWeight: with the same losses, Σ Lₜ = 6 + 10 =
// 16 and ∂/∂p = 3 + 5 = 8, whatever weights the tasks carry.
func TestEqualWeightsIgnoresTaskWeight(t *testing.T) {
	p := autodiff.Param(tensor.FromSlice([]float32{2}))
	l1 := autodiff.SumAll(autodiff.MulScalar(p, 3))
	l2 := autodiff.SumAll(autodiff.MulScalar(p, 5))
	tasks := []*Task{{Name: "a", Weight: 1.0}, {Name: "b", Weight: 0.1}}

	total := EqualWeights{}.Backward(tasks, []*autodiff.Value{l1, l2}, nil)
	if total != 16 {
		t.Errorf("total = %v, want 16", total)
	}
	if got := p.Grad().Item(); got != 8 {
		t.Errorf("∂total/∂p = %v, want 8", got)
	}
}

// TestDeltaMWorkedExample uses the PyTorch reference accuracies of the MLP
// study: STL 81.1 / 77.2, MTL 78.4 / 74.1.
// (78.4 − 81.1)/81.1 = −0.033292, (74.1 − 77.2)/77.2 = −0.040155,
// mean × 100 = −3.6724 %.
func TestDeltaMWorkedExample(t *testing.T) {
	got := DeltaM([]float64{0.784, 0.741}, []float64{0.811, 0.772})
	if math.Abs(got-(-3.6724)) > 1e-3 {
		t.Errorf("Δm = %.4f, want -3.6724", got)
	}
	if up := DeltaM([]float64{0.9}, []float64{0.8}); math.Abs(up-12.5) > 1e-9 {
		t.Errorf("Δm for 0.9 vs 0.8 = %v, want +12.5 (positive when MTL is better)", up)
	}
}

// countingModule records how often Forward runs.
type countingModule struct {
	inner nn.Module
	calls int
}

func (c *countingModule) Forward(x *autodiff.Value) *autodiff.Value {
	c.calls++
	return c.inner.Forward(x)
}

func (c *countingModule) Params() []nn.Param { return c.inner.Params() }

func TestHardSharingRunsTrunkOncePerInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	trunk := &countingModule{inner: nn.NewDense(4, 3, rng)}
	m, err := NewHardSharing(trunk, NewTask("left", nn.NewDense(3, 2, rng)), NewTask("right", nn.NewDense(3, 2, rng)))
	if err != nil {
		t.Fatal(err)
	}
	x := autodiff.Const(tensor.Ones(5, 4))
	out := m.Forward(map[string]*autodiff.Value{"left": x, "right": x})
	if trunk.calls != 1 {
		t.Errorf("trunk ran %d times for one shared input, want 1", trunk.calls)
	}
	if len(out) != 2 || !slices.Equal(out["left"].Shape(), []int{5, 2}) {
		t.Errorf("outputs %v, want left and right of shape [5 2]", out)
	}

	y := autodiff.Const(tensor.Ones(5, 4))
	m.Forward(map[string]*autodiff.Value{"left": x, "right": y})
	if trunk.calls != 3 {
		t.Errorf("trunk ran %d times in total, want 3 after a call with two distinct inputs", trunk.calls)
	}
}

func TestParamNamesAreStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	trunk := nn.NewSequential(nn.NewDense(4, 3, rng), nn.ReLU{})
	m, err := NewHardSharing(trunk, NewTask("left", nn.NewDense(3, 2, rng)), NewTask("right", nn.NewDense(3, 2, rng)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range m.Params() {
		names = append(names, p.Name)
	}
	want := []string{"trunk.0.weight", "trunk.0.bias", "heads.left.weight", "heads.left.bias", "heads.right.weight", "heads.right.bias"}
	if !slices.Equal(names, want) {
		t.Errorf("param names %v, want %v", names, want)
	}
	if shared := m.SharedParams(); len(shared) != 2 || shared[0].Name != "trunk.0.weight" {
		t.Errorf("shared params %v, want the two trunk parameters", shared)
	}

	towers, err := NewTowers(map[string]nn.Module{"digit": nn.NewDense(4, 3, rng), "fashion": nn.NewDense(5, 3, rng)},
		nn.NewDense(3, 3, rng), NewTask("digit", nn.NewDense(3, 2, rng)), NewTask("fashion", nn.NewDense(3, 2, rng)))
	if err != nil {
		t.Fatal(err)
	}
	names = names[:0]
	for _, p := range towers.Params() {
		names = append(names, p.Name)
	}
	want = []string{"towers.digit.weight", "towers.digit.bias", "towers.fashion.weight", "towers.fashion.bias",
		"shared.weight", "shared.bias", "heads.digit.weight", "heads.digit.bias", "heads.fashion.weight", "heads.fashion.bias"}
	if !slices.Equal(names, want) {
		t.Errorf("tower param names %v, want %v", names, want)
	}
}

// toySet builds n samples of 4 features in a [n, 1, 1, 4] image. Task "a"
// is whether feature 0 is positive, task "b" whether feature 1 is.
func toySet(n int, seed uint64) *datasets.Dataset {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := tensor.RandUniform(rng, -1, 1, n, 1, 1, 4)
	d := x.Data()
	a, b := make([]int, n), make([]int, n)
	for i := 0; i < n; i++ {
		if d[i*4] > 0 {
			a[i] = 1
		}
		if d[i*4+1] > 0 {
			b[i] = 1
		}
	}
	return &datasets.Dataset{Name: "toy", X: x, Labels: map[string][]int{"a": a, "b": b}, Classes: map[string]int{"a": 2, "b": 2}}
}

func toyModel(seed uint64) *HardSharing {
	rng := rand.New(rand.NewPCG(seed, 3))
	trunk := nn.NewSequential(nn.NewFlatten(), nn.NewDense(4, 16, rng), nn.ReLU{})
	m, err := NewHardSharing(trunk, NewTask("a", nn.NewDense(16, 2, rng)), NewTask("b", nn.NewDense(16, 2, rng)))
	if err != nil {
		panic(err)
	}
	return m
}

func fitToy(t *testing.T, seed int64) *History {
	t.Helper()
	m := toyModel(1)
	h, err := Fit(m, SharedData(toySet(512, 1), "a", "b"), FitConfig{
		Epochs: 8, BatchSize: 32, ValidationSplit: 0.25, Seed: seed,
		Optimizer: optim.NewAdam(nn.Values(m.Params()), 1e-2),
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestFitLearnsTwoTasks(t *testing.T) {
	h := fitToy(t, 5)
	for _, key := range []string{"loss", "a_loss", "b_loss", "a_accuracy", "b_accuracy", "val_loss", "val_a_accuracy", "val_b_loss"} {
		if len(h.Values[key]) != 8 {
			t.Errorf("history %q has %d entries, want one per epoch (8); keys: %v", key, len(h.Values[key]), h.Keys())
		}
	}
	if acc := h.Last("val_a_accuracy"); acc < 0.95 {
		t.Errorf("val_a_accuracy = %v after 8 epochs, want ≥ 0.95", acc)
	}
	if acc := h.Last("val_b_accuracy"); acc < 0.95 {
		t.Errorf("val_b_accuracy = %v after 8 epochs, want ≥ 0.95", acc)
	}
	if first, last := h.Values["loss"][0], h.Last("loss"); last >= first {
		t.Errorf("loss went from %v to %v, want it to fall", first, last)
	}
	// Fixed weights of 1: the combined loss is the sum of the task losses.
	if sum := h.Last("a_loss") + h.Last("b_loss"); math.Abs(sum-h.Last("loss")) > 1e-4 {
		t.Errorf("loss %v is not a_loss + b_loss = %v", h.Last("loss"), sum)
	}
}

func TestFitIsDeterministic(t *testing.T) {
	h1, h2 := fitToy(t, 9), fitToy(t, 9)
	for _, k := range h1.Keys() {
		if !slices.Equal(h1.Values[k], h2.Values[k]) {
			t.Errorf("history %q differs between two runs with the same seed: %v vs %v", k, h1.Values[k], h2.Values[k])
		}
	}
	h3 := fitToy(t, 10)
	if slices.Equal(h1.Values["loss"], h3.Values["loss"]) {
		t.Error("a different seed gave the same loss curve")
	}
}

func TestTowersTrainOnTwoDatasets(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	first, second := toySet(256, 3), toySet(320, 4)
	towers := map[string]nn.Module{
		"a": nn.NewSequential(nn.NewFlatten(), nn.NewDense(4, 8, rng), nn.ReLU{}),
		"b": nn.NewSequential(nn.NewFlatten(), nn.NewDense(4, 8, rng), nn.ReLU{}),
	}
	ta, tb := NewTask("a", nn.NewDense(8, 2, rng)), NewTask("b", nn.NewDense(8, 2, rng))
	tb.Weight = 0.1
	m, err := NewTowers(towers, nn.NewSequential(nn.NewDense(8, 8, rng), nn.ReLU{}), ta, tb)
	if err != nil {
		t.Fatal(err)
	}
	data := Data{"a": {Set: first, Label: "a"}, "b": {Set: second, Label: "b"}}
	h, err := Fit(m, data, FitConfig{Epochs: 10, BatchSize: 32, Seed: 1, Optimizer: optim.NewAdam(nn.Values(m.Params()), 1e-2)})
	if err != nil {
		t.Fatal(err)
	}
	if acc := h.Last("a_accuracy"); acc < 0.9 {
		t.Errorf("a_accuracy = %v, want ≥ 0.9", acc)
	}
	res, err := Evaluate(m, data, 100)
	if err != nil {
		t.Fatal(err)
	}
	// Evaluate's loss uses the task weights: a_loss + 0.1·b_loss.
	if want := res["a_loss"] + 0.1*res["b_loss"]; math.Abs(res["loss"]-want) > 1e-9 {
		t.Errorf("evaluate loss %v, want a_loss + 0.1·b_loss = %v", res["loss"], want)
	}
}

func TestFitRejectsBadInput(t *testing.T) {
	m := toyModel(1)
	opt := optim.NewAdam(nn.Values(m.Params()), 1e-3)
	set := toySet(64, 1)
	cases := []struct {
		name string
		data Data
		cfg  FitConfig
		want string
	}{
		{"missing task", Data{"a": {Set: set, Label: "a"}}, FitConfig{Epochs: 1, BatchSize: 8, Optimizer: opt}, `no data for task "b"`},
		{"missing labels", Data{"a": {Set: set, Label: "a"}, "b": {Set: set, Label: "zzz"}}, FitConfig{Epochs: 1, BatchSize: 8, Optimizer: opt}, `no labels "zzz"`},
		{"zero epochs", SharedData(set, "a", "b"), FitConfig{BatchSize: 8, Optimizer: opt}, "epochs (0)"},
		{"bad split", SharedData(set, "a", "b"), FitConfig{Epochs: 1, BatchSize: 8, ValidationSplit: 1, Optimizer: opt}, "validation split"},
		{"no optimizer", SharedData(set, "a", "b"), FitConfig{Epochs: 1, BatchSize: 8}, "no optimizer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Fit(m, c.data, c.cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestNewModelRejectsBadTasks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	head := nn.NewDense(2, 2, rng)
	if _, err := NewHardSharing(head); err == nil {
		t.Error("NewHardSharing accepted no tasks")
	}
	if _, err := NewHardSharing(head, NewTask("x", head), NewTask("x", head)); err == nil || !strings.Contains(err.Error(), `"x" used twice`) {
		t.Errorf("duplicate task names: error %v", err)
	}
	if _, err := NewTowers(map[string]nn.Module{"x": head}, nil, NewTask("x", head), NewTask("y", head)); err == nil || !strings.Contains(err.Error(), `no tower for task "y"`) {
		t.Errorf("missing tower: error %v", err)
	}
}

func TestFitWritesCheckpoint(t *testing.T) {
	path := t.TempDir() + "/toy.ckpt"
	m := toyModel(1)
	_, err := Fit(m, SharedData(toySet(128, 1), "a", "b"), FitConfig{
		Epochs: 2, BatchSize: 32, Seed: 1, CheckpointPath: path,
		Optimizer: optim.NewAdam(nn.Values(m.Params()), 1e-2),
	})
	if err != nil {
		t.Fatal(err)
	}

	fresh := toyModel(2)
	if err := nn.LoadCheckpoint(path, State(fresh)); err != nil {
		t.Fatal(err)
	}
	for i, p := range State(m) {
		if !tensor.Equal(p.Value.Data(), State(fresh)[i].Value.Data()) {
			t.Errorf("%s differs after loading the checkpoint", p.Name)
		}
	}
}
