package mtl

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/tensor"
)

// seenLogits gives every row the same mask logits, as fixedGate does, and
// keeps the input it was last given, so a test can check what an attention
// module reads.
type seenLogits struct {
	fixedGate
	seen *autodiff.Value
}

func (s *seenLogits) Forward(x *autodiff.Value) *autodiff.Value {
	s.seen = x
	return s.fixedGate.Forward(x)
}

// fixedAttention returns an attention function that hands out modules from
// a [task][block] table.
func fixedAttention(table map[string][]nn.Module) func(string, int) nn.Module {
	return func(task string, block int) nn.Module { return table[task][block] }
}

// TestTaskAttentionWorkedExample checks the MTAN formulas by hand on two
// blocks. The input has two rows, x = (1, 2) and (−1, 0), and the blocks
// add fixed offsets:
//
//	u₀ = x  + (1, 0):  (2, 2)  and (0, 0)
//	u₁ = u₀ + (0, 4):  (2, 6)  and (0, 4)
//
// σ(0) = 1/2, σ(ln 3) = 3/(3+1) = 3/4 and σ(−ln 3) = 1/(1+3) = 1/4.
//
// Task a: block 0 logits (0, ln 3) → mask (1/2, 3/4):
//
//	f_a,0 = (0.5·2, 0.75·2), (0, 0) = (1, 1.5), (0, 0)
//
// block 1 reads concat(u₁, f_a,0) = (2, 6, 1, 1.5), (0, 4, 0, 0), and its
// logits (ln 3, 0) → mask (3/4, 1/2):
//
//	f_a,1 = (0.75·2, 0.5·6), (0.75·0, 0.5·4) = (1.5, 3), (0, 2)
//
// Task b: block 0 logits (0, 0) → mask (1/2, 1/2):
//
//	f_b,0 = (1, 1), (0, 0)
//
// block 1 reads (2, 6, 1, 1), (0, 4, 0, 0), and its logits (−ln 3, ln 3)
// → mask (1/4, 3/4):
//
//	f_b,1 = (0.25·2, 0.75·6), (0.25·0, 0.75·4) = (0.5, 4.5), (0, 3)
//
// The heads are the identity (an empty Sequential), so the outputs are
// f_a,1 and f_b,1 themselves.
func TestTaskAttentionWorkedExample(t *testing.T) {
	ln3 := float32(math.Log(3))
	table := map[string][]nn.Module{
		"a": {&seenLogits{fixedGate: fixedGate{[]float32{0, ln3}}}, &seenLogits{fixedGate: fixedGate{[]float32{ln3, 0}}}},
		"b": {&seenLogits{fixedGate: fixedGate{[]float32{0, 0}}}, &seenLogits{fixedGate: fixedGate{[]float32{-ln3, ln3}}}},
	}
	blocks := []nn.Module{offsetExpert{[]float32{1, 0}}, offsetExpert{[]float32{0, 4}}}
	m, err := NewTaskAttention(blocks, fixedAttention(table), NewTask("a", nn.NewSequential()), NewTask("b", nn.NewSequential()))
	if err != nil {
		t.Fatal(err)
	}
	x := autodiff.Const(tensor.New([]int{2, 2}, []float32{1, 2, -1, 0}))
	out := m.Forward(map[string]*autodiff.Value{"a": x, "b": x})

	// Block 0's attention reads u₀. Block 1's reads u₁ with the task's own
	// f_t,0 beside it.
	seen := func(task string, block int) []float32 { return table[task][block].(*seenLogits).seen.Data().Data() }
	assertNear(t, "input of att_a,0 (u₀)", seen("a", 0), []float64{2, 2, 0, 0}, 1e-5)
	assertNear(t, "input of att_a,1 (u₁, f_a,0)", seen("a", 1), []float64{2, 6, 1, 1.5, 0, 4, 0, 0}, 1e-5)
	assertNear(t, "input of att_b,1 (u₁, f_b,0)", seen("b", 1), []float64{2, 6, 1, 1, 0, 4, 0, 0}, 1e-5)
	if s := table["a"][1].(*seenLogits).seen.Shape(); !slices.Equal(s, []int{2, 4}) {
		t.Errorf("att_a,1 input shape %v, want [2 4] (concat along axis 1)", s)
	}

	if s := out["a"].Shape(); !slices.Equal(s, []int{2, 2}) {
		t.Fatalf("task a output shape %v, want [2 2]", s)
	}
	assertNear(t, "y_a = f_a,1", out["a"].Data().Data(), []float64{1.5, 3, 0, 2}, 1e-5)
	assertNear(t, "y_b = f_b,1", out["b"].Data().Data(), []float64{0.5, 4.5, 0, 3}, 1e-5)
}

// TestTaskAttentionGradCheck compares backward with central differences
// through both blocks, every task's attention chain (sigmoid, product and
// concat), and the heads, including the input, which reaches each output
// through the blocks and every mask.
func TestTaskAttentionGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	shapes := [][]int{
		{2, 3},      // x
		{3, 2}, {2}, // block 0
		{2, 2}, {2}, // block 1
		{2, 2}, {2}, // attention a, block 0: u₀ → 2 logits
		{4, 2}, {2}, // attention a, block 1: concat(u₁, f_a,0) → 2 logits
		{2, 2}, {2}, // head a
		{2, 2}, {2}, // attention b, block 0
		{4, 2}, {2}, // attention b, block 1
		{2, 3}, {3}, // head b
	}
	inputs := make([]*tensor.Tensor, len(shapes))
	for i, s := range shapes {
		inputs[i] = tensor.RandUniform(rng, -1, 1, s...)
	}
	names := []string{"x", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias",
		"attention.a.0.weight", "attention.a.0.bias", "attention.a.1.weight", "attention.a.1.bias", "heads.a.weight", "heads.a.bias",
		"attention.b.0.weight", "attention.b.0.bias", "attention.b.1.weight", "attention.b.1.bias", "heads.b.weight", "heads.b.bias"}

	f := func(xs []*autodiff.Value) *autodiff.Value {
		blocks := []nn.Module{affine{xs[1], xs[2], true}, affine{xs[3], xs[4], true}}
		table := map[string][]nn.Module{
			"a": {affine{w: xs[5], b: xs[6]}, affine{w: xs[7], b: xs[8]}},
			"b": {affine{w: xs[11], b: xs[12]}, affine{w: xs[13], b: xs[14]}},
		}
		m, err := NewTaskAttention(blocks, fixedAttention(table),
			NewTask("a", affine{w: xs[9], b: xs[10]}), NewTask("b", affine{w: xs[15], b: xs[16]}))
		if err != nil {
			t.Fatal(err)
		}
		// The parameters must be exactly the values GradCheck varies, or
		// the check would not cover what Params hands an optimizer.
		ps := m.Params()
		if len(ps) != len(names)-1 {
			t.Fatalf("%d params, want the %d that GradCheck varies besides x", len(ps), len(names)-1)
		}
		for i, p := range ps {
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

func TestTaskAttentionParamsAndSharing(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	first := &countingModule{inner: nn.NewSequential(nn.NewFlatten(), nn.NewDense(4, 3, rng))}
	second := &countingModule{inner: nn.NewDense(3, 3, rng)}
	table := map[string][]nn.Module{
		"left":  {nn.NewDense(3, 3, rng), nn.NewDense(6, 3, rng)},
		"right": {nn.NewDense(3, 3, rng), nn.NewDense(6, 3, rng)},
	}
	m, err := NewTaskAttention([]nn.Module{first, second}, fixedAttention(table),
		NewTask("left", nn.NewDense(3, 2, rng)), NewTask("right", nn.NewDense(3, 2, rng)))
	if err != nil {
		t.Fatal(err)
	}

	var names []string
	for _, p := range m.Params() {
		names = append(names, p.Name)
	}
	want := []string{"blocks.0.1.weight", "blocks.0.1.bias", "blocks.1.weight", "blocks.1.bias",
		"attention.left.0.weight", "attention.left.0.bias", "attention.left.1.weight", "attention.left.1.bias",
		"heads.left.weight", "heads.left.bias",
		"attention.right.0.weight", "attention.right.0.bias", "attention.right.1.weight", "attention.right.1.bias",
		"heads.right.weight", "heads.right.bias"}
	if !slices.Equal(names, want) {
		t.Errorf("param names %v, want %v", names, want)
	}
	names = names[:0]
	for _, p := range m.SharedParams() {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, want[:4]) {
		t.Errorf("shared params %v, want the blocks' alone %v", names, want[:4])
	}

	if m.Attention("right", 1) != table["right"][1] {
		t.Error(`Attention("right", 1) is not the right task's module for block 1`)
	}
	for _, c := range []struct {
		task  string
		block int
	}{{"nope", 0}, {"left", 2}, {"left", -1}} {
		if m.Attention(c.task, c.block) != nil {
			t.Errorf("Attention(%q, %d) is not nil", c.task, c.block)
		}
	}
	if bs := m.Blocks(); len(bs) != 2 || bs[0] != first || bs[1] != second {
		t.Errorf("Blocks() = %v, want the two blocks in order", bs)
	}

	checkSharedWork(t, m, first, second, "blocks")
	if first.calls != 4 {
		t.Errorf("blocks ran %d times in total, want 4 after a call with right alone", first.calls)
	}
}

// TestTaskAttentionCallsAttentionInOrder checks the documented order, task
// by task and block by block within a task, which fixes the order in
// which a shared random source draws the attention weights.
func TestTaskAttentionCallsAttentionInOrder(t *testing.T) {
	var calls []string
	attention := func(task string, block int) nn.Module {
		calls = append(calls, fmt.Sprintf("%s/%d", task, block))
		return nn.NewSequential()
	}
	blocks := []nn.Module{nn.NewSequential(), nn.NewSequential(), nn.NewSequential()}
	_, err := NewTaskAttention(blocks, attention,
		NewTask("b", nn.NewSequential()), NewTask("a", nn.NewSequential()), NewTask("c", nn.NewSequential()))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"b/0", "b/1", "b/2", "a/0", "a/1", "a/2", "c/0", "c/1", "c/2"}
	if !slices.Equal(calls, want) {
		t.Errorf("attention called as %v, want %v", calls, want)
	}
}

func TestTaskAttentionSetTrainingReachesEveryPart(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	block0 := &modeRecorder{Module: nn.NewDense(4, 3, rng)}
	block1 := &modeRecorder{Module: nn.NewDense(3, 3, rng)}
	att0 := &modeRecorder{Module: nn.NewDense(3, 3, rng)}
	att1 := &modeRecorder{Module: nn.NewDense(6, 3, rng)}
	head := &modeRecorder{Module: nn.NewDense(3, 2, rng)}
	m, err := NewTaskAttention([]nn.Module{block0, block1},
		fixedAttention(map[string][]nn.Module{"a": {att0, att1}}), NewTask("a", head))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]*modeRecorder{"block 0": block0, "block 1": block1, "attention 0": att0, "attention 1": att1, "head": head}
	m.SetTraining(true)
	for name, r := range parts {
		if !r.switched || !r.training {
			t.Errorf("%s not switched to training", name)
		}
	}
	m.SetTraining(false)
	for name, r := range parts {
		if r.training {
			t.Errorf("%s still in training mode", name)
		}
	}
}

// toyTaskAttention is the MTAN counterpart of toyModel: toyModel's trunk
// followed by a second 16-wide block, per-task attention on both blocks,
// and the same heads.
func toyTaskAttention(seed uint64) *TaskAttention {
	rng := rand.New(rand.NewPCG(seed, 3))
	blocks := []nn.Module{
		nn.NewSequential(nn.NewFlatten(), nn.NewDense(4, 16, rng), nn.ReLU{}),
		nn.NewSequential(nn.NewDense(16, 16, rng), nn.ReLU{}),
	}
	// Block 0's attention reads u₀ (16 wide), and block 1's reads
	// concat(u₁, f_t,0) (32 wide). Both give 16 mask logits.
	attention := func(_ string, block int) nn.Module {
		if block == 0 {
			return nn.NewDense(16, 16, rng)
		}
		return nn.NewDense(32, 16, rng)
	}
	heads := []nn.Module{nn.NewDense(16, 2, rng), nn.NewDense(16, 2, rng)}
	m, err := NewTaskAttention(blocks, attention, NewTask("a", heads[0]), NewTask("b", heads[1]))
	if err != nil {
		panic(err)
	}
	return m
}

func TestTaskAttentionTrainsToyTasks(t *testing.T) {
	h := fitToyTasks(t, toyTaskAttention(1), nil, 5)
	checkToyAccuracy(t, h)
	checkSameHistory(t, h, fitToyTasks(t, toyTaskAttention(1), nil, 5))
}

func TestNewTaskAttentionRejectsBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	block, head := nn.NewDense(4, 3, rng), nn.NewDense(3, 2, rng)
	att := nn.NewDense(3, 3, rng)
	every := func(string, int) nn.Module { return att }
	// missing leaves task b's block 1 without a module.
	missing := func(task string, block int) nn.Module {
		if task == "b" && block == 1 {
			return nil
		}
		return att
	}
	cases := []struct {
		name      string
		blocks    []nn.Module
		attention func(string, int) nn.Module
		tasks     []*Task
		want      string
	}{
		{"no blocks", nil, every, []*Task{NewTask("a", head)}, "no blocks"},
		{"nil block", []nn.Module{block, nil}, every, []*Task{NewTask("a", head)}, "block 1 is nil"},
		{"nil attention function", []nn.Module{block}, nil, []*Task{NewTask("a", head)}, "attention function is nil"},
		{"nil attention module", []nn.Module{block, block}, missing, []*Task{NewTask("a", head), NewTask("b", head)},
			`attention module of task "b" for block 1 is nil`},
		{"no tasks", []nn.Module{block}, every, nil, "at least one task"},
		{"duplicate task", []nn.Module{block}, every, []*Task{NewTask("a", head), NewTask("a", head)}, `"a" used twice`},
		{"task without head", []nn.Module{block}, every, []*Task{{Name: "a"}}, `task "a" has no head`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := NewTaskAttention(c.blocks, c.attention, c.tasks...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
			if m != nil {
				t.Error("got a model along with the error")
			}
		})
	}
}

func TestTaskAttentionPanicsOnBadShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := autodiff.Const(tensor.Ones(5, 4))
	head := nn.NewDense(3, 2, rng)

	// Task b's block-1 attention gives 4 logits for a 3-wide u₁.
	table := map[string][]nn.Module{
		"a": {nn.NewDense(3, 3, rng), nn.NewDense(6, 3, rng)},
		"b": {nn.NewDense(3, 3, rng), nn.NewDense(6, 4, rng)},
	}
	m, err := NewTaskAttention([]nn.Module{nn.NewDense(4, 3, rng), nn.NewDense(3, 3, rng)}, fixedAttention(table),
		NewTask("a", head), NewTask("b", head))
	if err != nil {
		t.Fatal(err)
	}
	panicsWith(t, `attention of task "b" at block 1 outputs mask logits of shape [5 4]; want [5 3]`, func() {
		m.Forward(map[string]*autodiff.Value{"a": x, "b": x})
	})

	// Block 1 turns [5, 3] into [5, 1, 3], which cannot be joined with
	// f_t,0 along axis 1.
	reshape := reshapeBlock{5, 1, 3}
	bad, err := NewTaskAttention([]nn.Module{nn.NewDense(4, 3, rng), reshape},
		func(string, int) nn.Module { return nn.NewDense(3, 3, rng) }, NewTask("a", head))
	if err != nil {
		t.Fatal(err)
	}
	panicsWith(t, "block 1 outputs shape [5 1 3] but block 0 gave [5 3]", func() {
		bad.Forward(map[string]*autodiff.Value{"a": x})
	})
}

// reshapeBlock reshapes its input to a fixed shape.
type reshapeBlock []int

func (r reshapeBlock) Forward(x *autodiff.Value) *autodiff.Value { return autodiff.Reshape(x, r...) }

func (reshapeBlock) Params() []nn.Param { return nil }
