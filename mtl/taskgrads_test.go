package mtl

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
	"github.com/heed-ml/heed/tensor"
)

// toyLosses runs the toy model once on the first n samples of toySet and
// returns the task losses of that one graph.
func toyLosses(m *HardSharing, n int) []*autodiff.Value {
	set := toySet(n, 1)
	x := autodiff.Const(set.X)
	outs := m.Forward(map[string]*autodiff.Value{"a": x, "b": x})
	losses := make([]*autodiff.Value, len(m.Tasks()))
	for i, task := range m.Tasks() {
		losses[i] = task.loss(outs[task.Name], set.Labels[task.Name])
	}
	return losses
}

// flatGrads returns the gradients of params, flattened in order, with
// zeros for a parameter that has none.
func flatGrads(params []*autodiff.Value) []float64 {
	var out []float64
	for _, p := range params {
		g := p.Grad()
		if g == nil {
			out = append(out, make([]float64, p.Data().Size())...)
			continue
		}
		for _, v := range g.Data() {
			out = append(out, float64(v))
		}
	}
	return out
}

func zeroAllGrads(params []*autodiff.Value) {
	for _, p := range params {
		p.ZeroGrad()
	}
}

// TestTaskGradientsMatchSeparateGraphs checks that back-propagating the
// task losses of one retained graph one at a time gives each task the same
// shared gradients as a fresh forward pass per task, and leaves each head
// with its own task's gradient.
func TestTaskGradientsMatchSeparateGraphs(t *testing.T) {
	m := toyModel(1)
	shared := nn.Values(m.SharedParams())
	all := nn.Values(m.Params())

	zeroAllGrads(all)
	got := taskGradients(toyLosses(m, 64), shared, nil)
	heads := make([][]float64, len(m.Tasks()))
	for i, task := range m.Tasks() {
		heads[i] = flatGrads(nn.Values(task.Head.Params()))
	}

	for i, task := range m.Tasks() {
		zeroAllGrads(all)
		toyLosses(m, 64)[i].Backward()
		want := flatGrads(shared)
		if len(got[i]) != len(want) {
			t.Fatalf("task %s: %d shared gradient entries, want %d", task.Name, len(got[i]), len(want))
		}
		if d := maxAbsDiff(got[i], want); d > 1e-7 {
			t.Errorf("task %s: shared gradient differs from a fresh graph's by %g", task.Name, d)
		}
		if flatNorm(want) == 0 {
			t.Errorf("task %s: zero shared gradient; the check proves nothing", task.Name)
		}
		if d := maxAbsDiff(heads[i], flatGrads(nn.Values(task.Head.Params()))); d > 1e-7 {
			t.Errorf("task %s: head gradient differs from its own task's alone by %g", task.Name, d)
		}
	}
}

func maxAbsDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

func TestGraphParamsFindsEveryParameter(t *testing.T) {
	m := toyModel(1)
	got := graphParams(toyLosses(m, 8))
	want := nn.Values(m.Params())
	if len(got) != len(want) {
		t.Fatalf("found %d parameters, want the model's %d", len(got), len(want))
	}
	for _, p := range want {
		if !slices.Contains(got, p) {
			t.Errorf("parameter %v not found", p)
		}
	}
}

// TestSetSharedGradsSkipsUnreachedParams: a shared parameter that no loss
// reaches has no gradient buffer, and writing zeros for it must not
// create one or fail.
func TestSetSharedGradsSkipsUnreachedParams(t *testing.T) {
	used := autodiff.Param(tensor.FromSlice([]float32{1, 2}))
	unused := autodiff.Param(tensor.FromSlice([]float32{3}))
	loss := autodiff.SumAll(autodiff.MulScalar(used, 2))
	shared := []*autodiff.Value{unused, used}

	grads := taskGradients([]*autodiff.Value{loss}, shared, nil)
	if want := []float64{0, 2, 2}; !slices.Equal(grads[0], want) {
		t.Errorf("task gradient %v, want %v", grads[0], want)
	}
	setSharedGrads(shared, []float64{0, 5, 6})
	if unused.Grad() != nil {
		t.Error("setSharedGrads gave an unreached parameter a gradient")
	}
	if got := used.Grad().Data(); got[0] != 5 || got[1] != 6 {
		t.Errorf("gradient %v after setSharedGrads, want [5 6]", got)
	}
}

// linearLoss returns p·c + h·d + value for a shared parameter p and a head
// parameter h that are both zero, so its value is value and its gradients
// are exactly c on p and d on h.
func linearLoss(p, h *autodiff.Value, c, d []float32, value float32) *autodiff.Value {
	onShared := autodiff.SumAll(autodiff.Mul(p, autodiff.Const(tensor.New(p.Shape(), c))))
	onHead := autodiff.SumAll(autodiff.Mul(h, autodiff.Const(tensor.New(h.Shape(), d))))
	return autodiff.AddScalar(autodiff.Add(onShared, onHead), value)
}

func assertNear(t *testing.T, name string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s = %v, want %v", name, got, want)
	}
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > tol {
			t.Errorf("%s = %v, want %v", name, got, want)
			return
		}
	}
}

func assertNear64(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s = %v, want %v", name, got, want)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol {
			t.Errorf("%s = %v, want %v", name, got, want)
			return
		}
	}
}

// panicsWith reports whether fn panics with a message containing want.
func panicsWith(t *testing.T, want string, fn func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		msg, _ := r.(string)
		if r == nil {
			t.Errorf("no panic, want one containing %q", want)
		} else if !strings.Contains(msg, want) {
			t.Errorf("panic %v, want one containing %q", r, want)
		}
	}()
	fn()
}

// fitToyWith trains the toy model of mtl_test.go with strategy s, as
// fitToy does with fixed weights.
func fitToyWith(t *testing.T, s Strategy, seed int64) *History {
	t.Helper()
	return fitToyTasks(t, toyModel(1), s, seed)
}

// fitToyTasks trains m on the toy tasks "a" and "b" with strategy s (nil
// for fixed weights): 8 epochs, batch 32, Adam 1e-2, a quarter held out.
func fitToyTasks(t *testing.T, m Model, s Strategy, seed int64) *History {
	t.Helper()
	h, err := Fit(m, SharedData(toySet(512, 1), "a", "b"), FitConfig{
		Epochs: 8, BatchSize: 32, ValidationSplit: 0.25, Seed: seed, Strategy: s,
		Optimizer: optim.NewAdam(nn.Values(m.Params()), 1e-2),
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// checkToyAccuracy fails unless both tasks reach 0.9 validation accuracy.
func checkToyAccuracy(t *testing.T, h *History) {
	t.Helper()
	for _, key := range []string{"val_a_accuracy", "val_b_accuracy"} {
		if acc := h.Last(key); !(acc >= 0.9) {
			t.Errorf("%s = %v after 8 epochs, want ≥ 0.9", key, acc)
		}
	}
}

// checkSameHistory fails unless two histories are bit for bit equal,
// epoch times aside.
func checkSameHistory(t *testing.T, h1, h2 *History) {
	t.Helper()
	if !slices.Equal(h1.Keys(), h2.Keys()) {
		t.Fatalf("history keys differ: %v vs %v", h1.Keys(), h2.Keys())
	}
	for _, k := range h1.Keys() {
		if !slices.Equal(h1.Values[k], h2.Values[k]) {
			t.Errorf("history %q differs between two runs with the same seed: %v vs %v", k, h1.Values[k], h2.Values[k])
		}
	}
}
