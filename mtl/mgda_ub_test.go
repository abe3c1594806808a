package mtl

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
	"github.com/heed-ml/heed/tensor"
)

// halfSquaredError is the loss ½·Σ(y − label)² over a batch of single
// outputs, with the integer labels as regression targets. Its gradient is
// ∂L/∂y = y − label.
func halfSquaredError(out *autodiff.Value, labels []int) *autodiff.Value {
	targets := make([]float32, len(labels))
	for i, l := range labels {
		targets[i] = float32(l)
	}
	diff := autodiff.Sub(out, autodiff.Const(tensor.New([]int{len(labels), 1}, targets)))
	return autodiff.MulScalar(autodiff.SumAll(autodiff.Mul(diff, diff)), 0.5)
}

// fixedDense returns a dense layer without bias whose [in, out] weight is
// w, in row-major order.
func fixedDense(in, out int, w ...float32) *nn.Dense {
	return &nn.Dense{Weight: autodiff.Param(tensor.New([]int{in, out}, w))}
}

// workedModel is the model of TestMGDAUBWorkedExample: a 1→2 trunk with
// weight W = (1, ½), and heads u = (1, 0) for "a" and v = (−1, 3) for "b",
// both with the half squared error.
func workedModel(t *testing.T) *HardSharing {
	t.Helper()
	a := &Task{Name: "a", Head: fixedDense(2, 1, 1, 0), Loss: halfSquaredError}
	b := &Task{Name: "b", Head: fixedDense(2, 1, -1, 3), Loss: halfSquaredError}
	m, err := NewHardSharing(fixedDense(1, 2, 1, 0.5), a, b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// workedStep runs one MGDA-UB step of workedModel on the one-sample batch
// x = 2 with labels a = 0, b = 0.
func workedStep(m *HardSharing, s *MGDAUB) (total float64, splits []Split) {
	x := autodiff.Const(tensor.New([]int{1, 1}, []float32{2}))
	outs, splits := m.ForwardSplit(map[string]*autodiff.Value{"a": x, "b": x})
	losses := []*autodiff.Value{
		halfSquaredError(outs["a"], []int{0}),
		halfSquaredError(outs["b"], []int{0}),
	}
	return s.BackwardSplit(m.Tasks(), losses, splits, nil), splits
}

// TestMGDAUBWorkedExample checks one step by hand. With x = 2 and
// W = (1, ½) the representation is Z = x·W = (2, 1). Then:
//
//	head a: yₐ = Z·u = 2,  Lₐ = ½(2 − 0)² = 2,  ∂Lₐ/∂y = 2
//	        g₁ = ∂Lₐ/∂Z = 2·u = (2, 0)
//	head b: y_b = Z·v = −2 + 3 = 1,  L_b = ½(1 − 0)² = ½,  ∂L_b/∂y = 1
//	        g₂ = ∂L_b/∂Z = v = (−1, 3)
//
//	α₁ = clamp((g₂ − g₁)·g₂ / ‖g₁ − g₂‖², 0, 1)
//	   = (−3, 3)·(−1, 3) / ‖(3, −3)‖² = 12/18 = ⅔,  α₂ = ⅓
//
//	∂(Σ αₜLₜ)/∂Z = ⅔·(2, 0) + ⅓·(−1, 3) = (1, 1)
//	  (the min-norm point: (1, 1)·g₁ = (1, 1)·g₂ = ‖(1, 1)‖² = 2)
//	trunk:  ∂/∂W = xᵀ·(1, 1) = (2, 2)
//	head a: α₁·∂Lₐ/∂u = ⅔·(yₐ − 0)·Z = ⅔·2·(2, 1) = (8/3, 4/3)
//	head b: α₂·∂L_b/∂v = ⅓·(y_b − 0)·Z = ⅓·(2, 1) = (2/3, 1/3)
//	loss:   ⅔·2 + ⅓·½ = 3/2
func TestMGDAUBWorkedExample(t *testing.T) {
	m := workedModel(t)
	s := NewMGDAUB("none")
	total, splits := workedStep(m, s)

	assertNear64(t, "α", s.Weights(), []float64{2.0 / 3, 1.0 / 3}, 1e-7)
	if math.Abs(total-1.5) > 1e-6 {
		t.Errorf("loss = %v, want ⅔·2 + ⅓·½ = 1.5", total)
	}
	if len(splits) != 1 {
		t.Fatalf("%d splits, want 1 for two tasks reading one input", len(splits))
	}
	assertNear(t, "representation gradient", gradOf(t, "the leaf", splits[0].Leaf), []float64{1, 1}, 1e-5)

	trunk := m.Trunk.(*nn.Dense)
	assertNear(t, "trunk gradient", gradOf(t, "the trunk", trunk.Weight), []float64{2, 2}, 1e-5)
	headA := m.Tasks()[0].Head.(*nn.Dense)
	assertNear(t, "head a gradient", gradOf(t, "head a", headA.Weight), []float64{8.0 / 3, 4.0 / 3}, 1e-5)
	headB := m.Tasks()[1].Head.(*nn.Dense)
	assertNear(t, "head b gradient", gradOf(t, "head b", headB.Weight), []float64{2.0 / 3, 1.0 / 3}, 1e-5)
}

// gradOf returns the gradient of v, and fails the test at once when v has
// none.
func gradOf(t *testing.T, name string, v *autodiff.Value) []float32 {
	t.Helper()
	g := v.Grad()
	if g == nil {
		t.Fatalf("%s has no gradient", name)
	}
	return g.Data()
}

// TestMGDAUBNormalizations solves the worked example's g₁ = (2, 0),
// g₂ = (−1, 3) with L₁ = 2, L₂ = ½, by α₁ = (bb − ab)/(aa + bb − 2ab) on
// the normalized gradients a and b:
//
//	none:  aa = 4, ab = −2, bb = 10:  α₁ = 12/18 = ⅔
//	l2:    unit vectors, aa = bb = 1, so α₁ = ½
//	loss:  a = (1, 0), b = (−2, 6):  aa = 1, ab = −2, bb = 40:  α₁ = 42/45
//	loss+: a = (½, 0), b = (−1, 3)·2/√10:  aa = ¼, ab = −1/√10, bb = 4:
//	       α₁ = (4 + 1/√10) / (17/4 + 2/√10) = 0.8840281
//
// Whatever α, the trunk gets xᵀ·(α₁·g₁ + α₂·g₂) with x = 2.
func TestMGDAUBNormalizations(t *testing.T) {
	cases := []struct {
		normalization string
		alpha1        float64
	}{
		{"none", 2.0 / 3},
		{"", 2.0 / 3},
		{"l2", 0.5},
		{"loss", 42.0 / 45},
		{"loss+", 0.8840281},
	}
	for _, c := range cases {
		m := workedModel(t)
		s := NewMGDAUB(c.normalization)
		workedStep(m, s)

		a1, a2 := c.alpha1, 1-c.alpha1
		assertNear64(t, "α with normalization "+c.normalization, s.Weights(), []float64{a1, a2}, 1e-6)
		want := []float64{2 * (2*a1 - a2), 2 * 3 * a2}
		assertNear(t, "trunk gradient with normalization "+c.normalization, gradOf(t, "the trunk", m.Trunk.(*nn.Dense).Weight), want, 1e-5)
	}
}

// linearTrunkModel returns a model whose trunk is one dense layer with a
// bias and whose three heads are dense layers onto two classes.
func linearTrunkModel(seed uint64) *HardSharing {
	rng := rand.New(rand.NewPCG(seed, 11))
	m, err := NewHardSharing(nn.NewDense(3, 5, rng),
		NewTask("a", nn.NewDense(5, 2, rng)), NewTask("b", nn.NewDense(5, 2, rng)), NewTask("c", nn.NewDense(5, 2, rng)))
	if err != nil {
		panic(err)
	}
	return m
}

// stepBoth runs one MGDA step and one MGDA-UB step of m on the batch x
// with the given labels, and returns each one's α and the gradients each
// left in m's parameters.
func stepBoth(m *HardSharing, x *tensor.Tensor, labels map[string][]int, normalization string) (alphaMGDA, alphaUB, gradsMGDA, gradsUB []float64) {
	params := nn.Values(m.Params())
	input := autodiff.Const(x)
	inputs := map[string]*autodiff.Value{}
	for _, task := range m.Tasks() {
		inputs[task.Name] = input
	}
	losses := func(outs map[string]*autodiff.Value) []*autodiff.Value {
		ls := make([]*autodiff.Value, len(m.Tasks()))
		for i, task := range m.Tasks() {
			ls[i] = task.loss(outs[task.Name], labels[task.Name])
		}
		return ls
	}

	mgda := NewMGDA(normalization)
	zeroAllGrads(params)
	mgda.Backward(m.Tasks(), losses(m.Forward(inputs)), nn.Values(m.SharedParams()))
	gradsMGDA = flatGrads(params)

	ub := NewMGDAUB(normalization)
	zeroAllGrads(params)
	outs, splits := m.ForwardSplit(inputs)
	ub.BackwardSplit(m.Tasks(), losses(outs), splits, nn.Values(m.SharedParams()))
	gradsUB = flatGrads(params)
	return mgda.Weights(), ub.Weights(), gradsMGDA, gradsUB
}

// TestMGDAUBMatchesMGDAOnLinearTrunk: for a dense trunk Z = x·W + b on one
// sample, ∂L/∂W = xᵀ·∂L/∂Z and ∂L/∂b = ∂L/∂Z. So gᵢ·gⱼ on the parameters
// is (‖x‖² + 1) times gᵢ·gⱼ on Z, the Gram matrices differ by that common
// factor, and MGDA and MGDA-UB must find the same α under every
// normalization. With α equal, both leave the gradient of the same Σ αₜ·Lₜ.
func TestMGDAUBMatchesMGDAOnLinearTrunk(t *testing.T) {
	x := tensor.New([]int{1, 3}, []float32{0.5, -1.5, 2})
	labels := map[string][]int{"a": {0}, "b": {1}, "c": {1}}
	for _, norm := range mgdaNormalizations {
		alphaMGDA, alphaUB, gradsMGDA, gradsUB := stepBoth(linearTrunkModel(4), x, labels, norm)
		assertNear64(t, "MGDA-UB's α with normalization "+norm, alphaUB, alphaMGDA, 1e-5)
		if d := maxAbsDiff(gradsUB, gradsMGDA); d > 1e-5 {
			t.Errorf("normalization %s: gradients differ from MGDA's by %g", norm, d)
		}
	}
}

// checkSimplex fails unless alpha has n non-negative entries that sum to 1.
func checkSimplex(t *testing.T, name string, alpha []float64, n int) {
	t.Helper()
	if len(alpha) != n {
		t.Fatalf("%s = %v, want %d weights", name, alpha, n)
	}
	sum := 0.0
	for _, a := range alpha {
		if a < 0 || a > 1 {
			t.Errorf("%s = %v has a weight outside [0, 1]", name, alpha)
		}
		sum += a
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("%s = %v sums to %v, want 1", name, alpha, sum)
	}
}

// TestMGDAUBDiffersFromMGDA: with a ReLU trunk and a batch of 32, the
// parameter gradients are not proportional to the representation
// gradients, and on this batch the two α differ. Both must still be points
// of the simplex.
func TestMGDAUBDiffersFromMGDA(t *testing.T) {
	set := toySet(32, 2)
	alphaMGDA, alphaUB, _, _ := stepBoth(toyModel(1), set.X, set.Labels, "none")
	checkSimplex(t, "MGDA's α", alphaMGDA, 2)
	checkSimplex(t, "MGDA-UB's α", alphaUB, 2)
	if d := math.Abs(alphaMGDA[0] - alphaUB[0]); d < 1e-3 {
		t.Errorf("α₁ of MGDA %v and MGDA-UB %v differ by only %g; the case does not separate them", alphaMGDA[0], alphaUB[0], d)
	}
}

// TestMGDAUBLeavesCombinedGradient checks the split backward pass against
// a plain one: after BackwardSplit, every parameter must hold the gradient
// of Σₜ αₜ·Lₜ that one Backward through the unsplit graph gives for the
// same α. The second case gives each task its own input, so there are two
// splits and each task's gradient is zero on the other's representation.
func TestMGDAUBLeavesCombinedGradient(t *testing.T) {
	first, second := toySet(16, 3), toySet(16, 4)
	cases := []struct {
		name   string
		inputA *tensor.Tensor
		inputB *tensor.Tensor
		splits int
	}{
		{"shared input", first.X, first.X, 1},
		{"two inputs", first.X, second.X, 2},
	}
	for _, c := range cases {
		m := toyModel(1)
		params := nn.Values(m.Params())
		xa := autodiff.Const(c.inputA)
		xb := xa
		if c.inputB != c.inputA {
			xb = autodiff.Const(c.inputB)
		}
		inputs := map[string]*autodiff.Value{"a": xa, "b": xb}
		labels := [][]int{first.Labels["a"], second.Labels["b"]}
		losses := func(outs map[string]*autodiff.Value) []*autodiff.Value {
			return []*autodiff.Value{
				m.Tasks()[0].loss(outs["a"], labels[0]),
				m.Tasks()[1].loss(outs["b"], labels[1]),
			}
		}

		s := NewMGDAUB("l2")
		outs, splits := m.ForwardSplit(inputs)
		if len(splits) != c.splits {
			t.Fatalf("%s: %d splits, want %d", c.name, len(splits), c.splits)
		}
		total := s.BackwardSplit(m.Tasks(), losses(outs), splits, nil)
		got := flatGrads(params)

		zeroAllGrads(params)
		want := backwardSum(losses(m.Forward(inputs)), s.Weights())
		if d := maxAbsDiff(got, flatGrads(params)); d > 1e-6 {
			t.Errorf("%s: gradients differ from those of Σₜ αₜ·Lₜ by %g", c.name, d)
		}
		if flatNorm(got) == 0 {
			t.Errorf("%s: zero gradient; the check proves nothing", c.name)
		}
		if math.Abs(total-want) > 1e-6 {
			t.Errorf("%s: loss %v, want Σₜ αₜ·Lₜ = %v", c.name, total, want)
		}
	}
}

func TestHardSharingForwardSplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	trunk := &countingModule{inner: nn.NewDense(4, 3, rng)}
	m, err := NewHardSharing(trunk, NewTask("left", nn.NewDense(3, 2, rng)), NewTask("right", nn.NewDense(3, 2, rng)))
	if err != nil {
		t.Fatal(err)
	}
	x := autodiff.Const(tensor.RandUniform(rng, -1, 1, 5, 4))
	plain := m.Forward(map[string]*autodiff.Value{"left": x, "right": x})
	outs, splits := m.ForwardSplit(map[string]*autodiff.Value{"left": x, "right": x})

	if trunk.calls != 2 {
		t.Errorf("trunk ran %d times for two calls with one shared input, want 2", trunk.calls)
	}
	for _, name := range []string{"left", "right"} {
		if !tensor.Equal(outs[name].Data(), plain[name].Data()) {
			t.Errorf("%s output differs from Forward's", name)
		}
	}
	if len(splits) != 1 {
		t.Fatalf("%d splits, want 1 for one shared input", len(splits))
	}
	s := splits[0]
	if s.Leaf.Data() != s.Z.Data() || !s.Leaf.RequiresGrad() || s.Leaf.Op() != "" {
		t.Errorf("leaf %v, want a parameter sharing Z's data", s.Leaf)
	}

	// A task loss stops at the leaf: the trunk gets nothing.
	autodiff.SumAll(outs["left"]).Backward()
	if trunk.inner.Params()[0].Value.Grad() != nil {
		t.Error("the trunk weight got a gradient from a head's loss; the graph is not split")
	}
	if s.Leaf.Grad() == nil {
		t.Error("the leaf got no gradient from a head's loss")
	}

	y := autodiff.Const(tensor.Ones(5, 4))
	_, splits = m.ForwardSplit(map[string]*autodiff.Value{"left": y, "right": x})
	if len(splits) != 2 || splits[0].Z.Shape()[0] != 5 {
		t.Fatalf("splits %v, want two, one per input", splits)
	}
	if !tensor.Equal(splits[0].Z.Data(), trunk.Forward(y).Data()) {
		t.Error("the first split is not the input of the first task")
	}
}

// splitRecorder is a SplitStrategy that sums the losses and records what
// Fit passes it.
type splitRecorder struct {
	backwardCalls, splitCalls int
	splitCounts               []int
	leafOutputs               bool
}

func (r *splitRecorder) Name() string { return "split-recorder" }

func (r *splitRecorder) Backward(tasks []*Task, losses []*autodiff.Value, _ []*autodiff.Value) float64 {
	r.backwardCalls++
	return backwardWeighted(tasks, losses, func(*Task) float64 { return 1 })
}

func (r *splitRecorder) BackwardSplit(tasks []*Task, losses []*autodiff.Value, splits []Split, _ []*autodiff.Value) float64 {
	r.splitCalls++
	r.splitCounts = append(r.splitCounts, len(splits))
	// The losses must stop at the leaves: a graph walk from them finds
	// every split's Leaf and none of the trunk's parameters.
	found := map[*autodiff.Value]bool{}
	for _, p := range graphParams(losses) {
		found[p] = true
	}
	r.leafOutputs = len(splits) > 0
	for _, s := range splits {
		r.leafOutputs = r.leafOutputs && found[s.Leaf] && !found[s.Z]
	}
	return backwardWeighted(tasks, losses, func(*Task) float64 { return 1 })
}

func TestFitCallsBackwardSplit(t *testing.T) {
	m := toyModel(1)
	r := &splitRecorder{}
	trunkParams := nn.Values(m.SharedParams())
	_, err := Fit(m, SharedData(toySet(128, 1), "a", "b"), FitConfig{
		Epochs: 1, BatchSize: 64, Seed: 1, Strategy: r,
		Optimizer: optim.NewAdam(nn.Values(m.Params()), 1e-2),
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.backwardCalls != 0 || r.splitCalls != 2 {
		t.Errorf("Backward ran %d times and BackwardSplit %d, want 0 and 2 (128 samples in batches of 64)", r.backwardCalls, r.splitCalls)
	}
	if len(r.splitCounts) == 0 || r.splitCounts[0] != 1 {
		t.Errorf("split counts %v, want one split per step for two tasks on one dataset", r.splitCounts)
	}
	if !r.leafOutputs {
		t.Error("the task losses do not stop at the splits' leaves; Fit did not use ForwardSplit")
	}
	if flatNorm(flatGrads(trunkParams)) != 0 {
		t.Error("the trunk got a gradient, but the recorder never back-propagates into it")
	}
}

func TestMGDAUBTrainsToy(t *testing.T) {
	s := NewMGDAUB("none")
	h := fitToyWith(t, s, 5)
	checkToyAccuracy(t, h)

	wa, wb := h.Values["a_weight"], h.Values["b_weight"]
	if len(wa) != 8 || len(wb) != 8 {
		t.Fatalf("a_weight %v and b_weight %v, want one α per epoch (8)", wa, wb)
	}
	for i := range wa {
		if math.Abs(wa[i]+wb[i]-1) > 1e-9 || wa[i] < 0 || wb[i] < 0 {
			t.Errorf("epoch %d: weights %v and %v, want a point of the simplex", i, wa[i], wb[i])
		}
	}
	if w := s.Weights(); len(w) != 2 || w[0] != wa[7] {
		t.Errorf("Weights() = %v, want the last epoch's, a_weight = %v", w, wa[7])
	}
}

func TestMGDAUBIsDeterministic(t *testing.T) {
	s := NewMGDAUB("loss")
	m1, m2 := toyModel(1), toyModel(1)
	checkSameHistory(t, fitToyTasks(t, m1, s, 9), fitToyTasks(t, m2, s, 9))
	for i, p := range State(m1) {
		if !tensor.Equal(p.Value.Data(), State(m2)[i].Value.Data()) {
			t.Errorf("%s differs between two runs with the same seed", p.Name)
		}
	}
}

// TestFitRejectsMGDAUBWithoutSplitter: models that cannot split their
// graph get an error that names the model and the ways out, before any
// step changes a parameter.
func TestFitRejectsMGDAUBWithoutSplitter(t *testing.T) {
	models := []struct {
		name  string
		model Model
	}{
		{"*mtl.MMoE", toyMMoE(1)},
		{"*mtl.Towers", toyTowers()},
	}
	for _, c := range models {
		before := make([]*tensor.Tensor, 0)
		for _, p := range c.model.Params() {
			before = append(before, p.Value.Data().Clone())
		}
		s := NewMGDAUB("none")
		h, err := Fit(c.model, SharedData(toySet(64, 1), "a", "b"), FitConfig{
			Epochs: 1, BatchSize: 16, Strategy: s,
			Optimizer: optim.NewAdam(nn.Values(c.model.Params()), 1e-2),
		})
		if err == nil {
			t.Fatalf("%s: Fit with MGDA-UB succeeded, want an error", c.name)
		}
		for _, want := range []string{`strategy "mgda-ub"`, c.name, "does not implement mtl.Splitter", "HardSharing", "mtl.NewMGDA"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q, want it to contain %q", c.name, err, want)
			}
		}
		if h != nil {
			t.Errorf("%s: history %v, want nil", c.name, h)
		}
		if s.Weights() != nil {
			t.Errorf("%s: α = %v, want none because no step ran", c.name, s.Weights())
		}
		for i, p := range c.model.Params() {
			if !tensor.Equal(p.Value.Data(), before[i]) {
				t.Errorf("%s: %s changed although Fit failed", c.name, p.Name)
			}
		}
	}
}

// toyTowers is a Towers model over the toy tasks, with one shared layer.
func toyTowers() *Towers {
	rng := rand.New(rand.NewPCG(2, 2))
	towers := map[string]nn.Module{
		"a": nn.NewSequential(nn.NewFlatten(), nn.NewDense(4, 8, rng), nn.ReLU{}),
		"b": nn.NewSequential(nn.NewFlatten(), nn.NewDense(4, 8, rng), nn.ReLU{}),
	}
	m, err := NewTowers(towers, nn.NewDense(8, 8, rng), NewTask("a", nn.NewDense(8, 2, rng)), NewTask("b", nn.NewDense(8, 2, rng)))
	if err != nil {
		panic(err)
	}
	return m
}

func TestMGDAUBRejectsBadInput(t *testing.T) {
	panicsWith(t, `mtl.NewMGDAUB: invalid normalization "L2"`, func() { NewMGDAUB("L2") })

	tasks := []*Task{{Name: "a"}, {Name: "b"}}
	z := autodiff.Param(tensor.Zeros(1, 2))
	leaf := autodiff.Param(z.Data())
	loss := autodiff.SumAll(leaf)
	panicsWith(t, "MGDAUB: 1 losses for 2 tasks", func() {
		NewMGDAUB("none").BackwardSplit(tasks, []*autodiff.Value{loss}, []Split{{Z: z, Leaf: leaf}}, nil)
	})
	panicsWith(t, "Backward is not given the shared representation", func() {
		NewMGDAUB("none").Backward(tasks, []*autodiff.Value{loss, loss}, nil)
	})

	badSplits := []struct {
		name  string
		split Split
		want  string
	}{
		{"nil leaf", Split{Z: z}, "split 0 has a nil Z or Leaf"},
		{"constant leaf", Split{Z: z, Leaf: autodiff.Const(z.Data())}, "split 0 has Leaf"},
		{"computed leaf", Split{Z: z, Leaf: autodiff.MulScalar(z, 2)}, "must be a leaf that requires a gradient"},
		{"wrong shape", Split{Z: z, Leaf: autodiff.Param(tensor.Zeros(2, 1))}, "Z of shape [1 2] and Leaf of shape [2 1]"},
	}
	for _, c := range badSplits {
		panicsWith(t, c.want, func() {
			NewMGDAUB("none").BackwardSplit(tasks, []*autodiff.Value{loss, loss}, []Split{c.split}, nil)
		})
	}
}
