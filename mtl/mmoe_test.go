package mtl

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/tensor"
)

// offsetExpert returns its input plus a fixed row, so its output is known
// exactly for a worked example.
type offsetExpert struct{ offset []float32 }

func (o offsetExpert) Forward(x *autodiff.Value) *autodiff.Value {
	return autodiff.Add(x, autodiff.Const(tensor.New([]int{1, len(o.offset)}, slices.Clone(o.offset))))
}

func (offsetExpert) Params() []nn.Param { return nil }

// fixedGate gives every row the same logits. It reads only the batch size
// of its input.
type fixedGate struct{ logits []float32 }

func (g fixedGate) Forward(x *autodiff.Value) *autodiff.Value {
	batch := x.Shape()[0]
	rows := make([]float32, 0, batch*len(g.logits))
	for range batch {
		rows = append(rows, g.logits...)
	}
	return autodiff.Const(tensor.New([]int{batch, len(g.logits)}, rows))
}

func (fixedGate) Params() []nn.Param { return nil }

// affine is x·w + b, followed by tanh when tanh is set. Its weights come
// from outside, so GradCheck can own the parameters of a whole MMoE.
type affine struct {
	w, b *autodiff.Value
	tanh bool
}

func (a affine) Forward(x *autodiff.Value) *autodiff.Value {
	y := autodiff.Linear(x, a.w, a.b)
	if a.tanh {
		y = autodiff.Tanh(y)
	}
	return y
}

func (a affine) Params() []nn.Param {
	return []nn.Param{{Name: "weight", Value: a.w}, {Name: "bias", Value: a.b}}
}

// modeRecorder remembers the last training mode it was switched to.
type modeRecorder struct {
	nn.Module
	training bool
	switched bool
}

func (r *modeRecorder) SetTraining(training bool) { r.training, r.switched = training, true }

// TestMMoEWorkedExample checks f_t = Σ_e softmax(gate_t)_e · expert_e(x)
// by hand. The input has two rows, x = (1, 2) and (−1, 0), and the experts
// add fixed offsets:
//
//	e₁ = x + (1, 0):  (2, 2)  and (0, 0)
//	e₂ = x + (0, 4):  (1, 6)  and (−1, 4)
//
// Task a's gate gives logits (0, ln 3) → weights (1/4, 3/4):
//
//	row 1: 0.25·(2, 2) + 0.75·(1, 6)  = (0.5 + 0.75, 0.5 + 4.5) = (1.25, 5)
//	row 2: 0.25·(0, 0) + 0.75·(−1, 4) = (−0.75, 3)
//
// Task b's gate gives logits (0, 0) → weights (1/2, 1/2):
//
//	row 1: 0.5·(2, 2) + 0.5·(1, 6)  = (1.5, 4)
//	row 2: 0.5·(0, 0) + 0.5·(−1, 4) = (−0.5, 2)
//
// The heads are the identity (an empty Sequential), so the outputs are the
// mixtures themselves.
func TestMMoEWorkedExample(t *testing.T) {
	experts := []nn.Module{offsetExpert{[]float32{1, 0}}, offsetExpert{[]float32{0, 4}}}
	gates := []nn.Module{fixedGate{[]float32{0, float32(math.Log(3))}}, fixedGate{[]float32{0, 0}}}
	m, err := NewMMoE(experts, gates, NewTask("a", nn.NewSequential()), NewTask("b", nn.NewSequential()))
	if err != nil {
		t.Fatal(err)
	}
	x := autodiff.Const(tensor.New([]int{2, 2}, []float32{1, 2, -1, 0}))
	out := m.Forward(map[string]*autodiff.Value{"a": x, "b": x})

	if s := out["a"].Shape(); !slices.Equal(s, []int{2, 2}) {
		t.Fatalf("task a output shape %v, want [2 2]", s)
	}
	assertNear(t, "f_a", out["a"].Data().Data(), []float64{1.25, 5, -0.75, 3}, 1e-5)
	assertNear(t, "f_b", out["b"].Data().Data(), []float64{1.5, 4, -0.5, 2}, 1e-5)
}

// TestMMoEGradCheck compares backward with central differences through the
// experts, the softmax gates, the mixture and the heads of both tasks,
// including the input, which reaches the output through every expert and
// every gate.
func TestMMoEGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	shapes := [][]int{
		{2, 3},      // x
		{3, 2}, {2}, // expert 0
		{3, 2}, {2}, // expert 1
		{3, 2}, {2}, // gate a
		{2, 2}, {2}, // head a
		{3, 2}, {2}, // gate b
		{2, 3}, {3}, // head b
	}
	inputs := make([]*tensor.Tensor, len(shapes))
	for i, s := range shapes {
		inputs[i] = tensor.RandUniform(rng, -1, 1, s...)
	}
	names := []string{"x", "experts.0.weight", "experts.0.bias", "experts.1.weight", "experts.1.bias",
		"gates.a.weight", "gates.a.bias", "heads.a.weight", "heads.a.bias",
		"gates.b.weight", "gates.b.bias", "heads.b.weight", "heads.b.bias"}

	f := func(xs []*autodiff.Value) *autodiff.Value {
		experts := []nn.Module{affine{xs[1], xs[2], true}, affine{xs[3], xs[4], true}}
		gates := []nn.Module{affine{w: xs[5], b: xs[6]}, affine{w: xs[9], b: xs[10]}}
		m, err := NewMMoE(experts, gates, NewTask("a", affine{w: xs[7], b: xs[8]}), NewTask("b", affine{w: xs[11], b: xs[12]}))
		if err != nil {
			t.Fatal(err)
		}
		// The parameters must be exactly the values GradCheck varies, or
		// the check would not cover what Params hands an optimizer.
		for i, p := range m.Params() {
			if p.Name != names[i+1] || p.Value != xs[i+1] {
				t.Fatalf("param %d is %s, want %s backed by GradCheck's input", i, p.Name, names[i+1])
			}
		}
		out := m.Forward(map[string]*autodiff.Value{"a": xs[0], "b": xs[0]})
		return autodiff.Concat(1, out["a"], out["b"])
	}
	if err := autodiff.GradCheck(f, inputs, &autodiff.GradCheckOptions{Seed: 1}); err != nil {
		t.Error(err)
	}
}

func TestMMoEParamsAndSharing(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	first := &countingModule{inner: nn.NewSequential(nn.NewFlatten(), nn.NewDense(4, 3, rng))}
	second := &countingModule{inner: nn.NewSequential(nn.NewFlatten(), nn.NewDense(4, 3, rng))}
	gates := []nn.Module{nn.NewDense(4, 2, rng), nn.NewDense(4, 2, rng)}
	m, err := NewMMoE([]nn.Module{first, second}, gates,
		NewTask("left", nn.NewDense(3, 2, rng)), NewTask("right", nn.NewDense(3, 2, rng)))
	if err != nil {
		t.Fatal(err)
	}

	var names []string
	for _, p := range m.Params() {
		names = append(names, p.Name)
	}
	want := []string{"experts.0.1.weight", "experts.0.1.bias", "experts.1.1.weight", "experts.1.1.bias",
		"gates.left.weight", "gates.left.bias", "heads.left.weight", "heads.left.bias",
		"gates.right.weight", "gates.right.bias", "heads.right.weight", "heads.right.bias"}
	if !slices.Equal(names, want) {
		t.Errorf("param names %v, want %v", names, want)
	}
	names = names[:0]
	for _, p := range m.SharedParams() {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, want[:4]) {
		t.Errorf("shared params %v, want the experts' alone %v", names, want[:4])
	}
	if m.Gate("right") != gates[1] {
		t.Error(`Gate("right") is not the right task's gate`)
	}
	if m.Gate("nope") != nil {
		t.Error(`Gate("nope") is not nil for an unknown task`)
	}

	checkSharedWork(t, m, first, second, "experts")
}

func TestMMoESetTrainingReachesEveryPart(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	expert := &modeRecorder{Module: nn.NewDense(4, 3, rng)}
	gate := &modeRecorder{Module: nn.NewDense(4, 1, rng)}
	head := &modeRecorder{Module: nn.NewDense(3, 2, rng)}
	m, err := NewMMoE([]nn.Module{expert}, []nn.Module{gate}, NewTask("a", head))
	if err != nil {
		t.Fatal(err)
	}
	m.SetTraining(true)
	for name, r := range map[string]*modeRecorder{"expert": expert, "gate": gate, "head": head} {
		if !r.switched || !r.training {
			t.Errorf("%s not switched to training", name)
		}
	}
	m.SetTraining(false)
	for name, r := range map[string]*modeRecorder{"expert": expert, "gate": gate, "head": head} {
		if r.training {
			t.Errorf("%s still in training mode", name)
		}
	}
}

// toyMMoE is the MMoE counterpart of toyModel: two experts of toyModel's
// trunk shape, a linear gate per task and the same heads.
func toyMMoE(seed uint64) *MMoE {
	rng := rand.New(rand.NewPCG(seed, 3))
	expert := func() nn.Module { return nn.NewSequential(nn.NewFlatten(), nn.NewDense(4, 16, rng), nn.ReLU{}) }
	gate := func() nn.Module { return nn.NewSequential(nn.NewFlatten(), nn.NewDense(4, 2, rng)) }
	m, err := NewMMoE([]nn.Module{expert(), expert()}, []nn.Module{gate(), gate()},
		NewTask("a", nn.NewDense(16, 2, rng)), NewTask("b", nn.NewDense(16, 2, rng)))
	if err != nil {
		panic(err)
	}
	return m
}

func TestMMoETrainsToyTasks(t *testing.T) {
	h := fitToyTasks(t, toyMMoE(1), nil, 5)
	checkToyAccuracy(t, h)
	checkSameHistory(t, h, fitToyTasks(t, toyMMoE(1), nil, 5))
}

func TestNewMMoERejectsBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	expert, gate, head := nn.NewDense(4, 3, rng), nn.NewDense(4, 1, rng), nn.NewDense(3, 2, rng)
	cases := []struct {
		name    string
		experts []nn.Module
		gates   []nn.Module
		tasks   []*Task
		want    string
	}{
		{"no experts", nil, []nn.Module{gate}, []*Task{NewTask("a", head)}, "no experts"},
		{"nil expert", []nn.Module{expert, nil}, []nn.Module{gate}, []*Task{NewTask("a", head)}, "expert 1 is nil"},
		{"nil gate", []nn.Module{expert}, []nn.Module{gate, nil}, []*Task{NewTask("a", head), NewTask("b", head)}, `gate 1 (task "b") is nil`},
		{"too few gates", []nn.Module{expert}, []nn.Module{gate}, []*Task{NewTask("a", head), NewTask("b", head)}, "1 gates for 2 tasks"},
		{"too many gates", []nn.Module{expert}, []nn.Module{gate, gate}, []*Task{NewTask("a", head)}, "2 gates for 1 tasks"},
		{"no tasks", []nn.Module{expert}, nil, nil, "at least one task"},
		{"duplicate task", []nn.Module{expert}, []nn.Module{gate, gate}, []*Task{NewTask("a", head), NewTask("a", head)}, `"a" used twice`},
		{"task without head", []nn.Module{expert}, []nn.Module{gate}, []*Task{{Name: "a"}}, `task "a" has no head`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := NewMMoE(c.experts, c.gates, c.tasks...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
			if m != nil {
				t.Error("got a model along with the error")
			}
		})
	}
}

func TestMMoEPanicsOnBadShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := autodiff.Const(tensor.Ones(5, 4))
	head := nn.NewDense(3, 2, rng)

	m, err := NewMMoE([]nn.Module{nn.NewDense(4, 3, rng), nn.NewDense(4, 5, rng)},
		[]nn.Module{nn.NewDense(4, 2, rng)}, NewTask("a", head))
	if err != nil {
		t.Fatal(err)
	}
	panicsWith(t, "expert 1 output has shape [5 5] but expert 0 gave [5 3]", func() {
		m.Forward(map[string]*autodiff.Value{"a": x})
	})

	flat, err := NewMMoE([]nn.Module{nn.NewSequential()}, []nn.Module{nn.NewDense(4, 1, rng)}, NewTask("a", head))
	if err != nil {
		t.Fatal(err)
	}
	panicsWith(t, "expert 0 output has shape [5 1 4]; want [batch, D]", func() {
		flat.Forward(map[string]*autodiff.Value{"a": autodiff.Const(tensor.Ones(5, 1, 4))})
	})

	wrongGate, err := NewMMoE([]nn.Module{nn.NewDense(4, 3, rng), nn.NewDense(4, 3, rng)},
		[]nn.Module{nn.NewDense(4, 3, rng)}, NewTask("a", head))
	if err != nil {
		t.Fatal(err)
	}
	panicsWith(t, `gate of task "a" outputs shape [5 3]; want [5 2]`, func() {
		wrongGate.Forward(map[string]*autodiff.Value{"a": x})
	})
}

// checkSharedWork runs m on two tasks "left" and "right" with 5×4 inputs
// and fails unless first and second, the shared parts (named what), run
// once per distinct input and a task missing from the inputs is skipped.
func checkSharedWork(t *testing.T, m Model, first, second *countingModule, what string) {
	t.Helper()
	x := autodiff.Const(tensor.Ones(5, 4))
	out := m.Forward(map[string]*autodiff.Value{"left": x, "right": x})
	if first.calls != 1 || second.calls != 1 {
		t.Errorf("%s ran %d and %d times for one shared input, want 1 each", what, first.calls, second.calls)
	}
	if len(out) != 2 {
		t.Errorf("outputs %v, want left and right", out)
	}
	if s := out["right"].Shape(); !slices.Equal(s, []int{5, 2}) {
		t.Errorf("right output shape %v, want [5 2]", s)
	}

	y := autodiff.Const(tensor.Ones(5, 4))
	m.Forward(map[string]*autodiff.Value{"left": x, "right": y})
	if first.calls != 3 || second.calls != 3 {
		t.Errorf("%s ran %d and %d times in total, want 3 each after a call with two distinct inputs", what, first.calls, second.calls)
	}

	out = m.Forward(map[string]*autodiff.Value{"right": y})
	if _, ok := out["right"]; !ok || len(out) != 1 {
		t.Errorf("outputs %v for an input of right alone, want right only", out)
	}
}
