package optim

import (
	"math"
	"strings"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

// paramWithGrad returns a parameter holding data whose Grad is grad, set
// through a real backward pass of Σ p⊙grad. The gradient stays in place
// across Steps until ZeroGrad, which gives a constant gradient.
func paramWithGrad(t *testing.T, data, grad []float32) *autodiff.Value {
	t.Helper()
	p := autodiff.Param(tensor.FromSlice(data))
	loss := autodiff.SumAll(autodiff.Mul(p, autodiff.Const(tensor.FromSlice(grad))))
	loss.Backward()
	return p
}

func assertClose(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d elements %v, want %d", what, len(got), got, len(want))
	}
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > tol {
			t.Errorf("%s[%d] = %.9g, want %.9g (tolerance %g)", what, i, got[i], want[i], tol)
		}
	}
}

// expectPanic runs fn and fails unless it panics with a message containing
// every fragment.
func expectPanic(t *testing.T, name string, fn func(), fragments ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic", name)
			return
		}
		msg, _ := r.(string)
		for _, f := range fragments {
			if !strings.Contains(msg, f) {
				t.Errorf("%s: panic %q does not mention %q", name, msg, f)
			}
		}
	}()
	fn()
}

func TestSGDPlain(t *testing.T) {
	// p = p − lr·g: 1 − 0.5·2 = 0 and −1 − 0.5·(−4) = 1.
	p := paramWithGrad(t, []float32{1, -1}, []float32{2, -4})
	opt := NewSGD([]*autodiff.Value{p}, 0.5)
	opt.Step()
	assertClose(t, "p", p.Data().Data(), []float64{0, 1}, 0)
}

func TestSGDMomentumTwoSteps(t *testing.T) {
	// lr = 0.1, μ = 0.9, constant g = 1, p₀ = 1.
	// Step 1: b = 1 (the first gradient), p = 1 − 0.1·1 = 0.9.
	// Step 2: b = 0.9·1 + 1 = 1.9, p = 0.9 − 0.1·1.9 = 0.71.
	p := paramWithGrad(t, []float32{1}, []float32{1})
	opt := NewSGD([]*autodiff.Value{p}, 0.1, WithMomentum(0.9))
	opt.Step()
	assertClose(t, "p after step 1", p.Data().Data(), []float64{0.9}, 1e-6)
	opt.Step()
	assertClose(t, "p after step 2", p.Data().Data(), []float64{0.71}, 1e-6)
}

func TestSGDNesterovTwoSteps(t *testing.T) {
	// lr = 0.1, μ = 0.9, constant g = 1, p₀ = 1; the step uses g + μ·b.
	// Step 1: b = 1, d = 1 + 0.9·1 = 1.9, p = 1 − 0.19 = 0.81.
	// Step 2: b = 0.9·1 + 1 = 1.9, d = 1 + 0.9·1.9 = 2.71,
	//         p = 0.81 − 0.271 = 0.539.
	p := paramWithGrad(t, []float32{1}, []float32{1})
	opt := NewSGD([]*autodiff.Value{p}, 0.1, WithMomentum(0.9), WithNesterov())
	opt.Step()
	assertClose(t, "p after step 1", p.Data().Data(), []float64{0.81}, 1e-6)
	opt.Step()
	assertClose(t, "p after step 2", p.Data().Data(), []float64{0.539}, 1e-6)
}

func TestSGDWeightDecayMomentum(t *testing.T) {
	// lr = 0.1, μ = 0.9, λ = 0.1, constant g = 1, p₀ = 1.
	// Step 1: d = 1 + 0.1·1 = 1.1, b = 1.1, p = 1 − 0.11 = 0.89.
	// Step 2: d = 1 + 0.1·0.89 = 1.089, b = 0.99 + 1.089 = 2.079,
	//         p = 0.89 − 0.2079 = 0.6821.
	p := paramWithGrad(t, []float32{1}, []float32{1})
	opt := NewSGD([]*autodiff.Value{p}, 0.1, WithMomentum(0.9), WithWeightDecay(0.1))
	opt.Step()
	assertClose(t, "p after step 1", p.Data().Data(), []float64{0.89}, 1e-6)
	opt.Step()
	assertClose(t, "p after step 2", p.Data().Data(), []float64{0.6821}, 1e-6)
	// Weight decay works on a copy: the caller's gradient is untouched.
	assertClose(t, "grad", p.Grad().Data(), []float64{1}, 0)
}

func TestSGDNesterovWeightDecay(t *testing.T) {
	// lr = 0.1, μ = 0.5, λ = 1, constant g = 1, p₀ = 1.
	// Step 1: d = 1 + 1 = 2, b = 2, d = 2 + 0.5·2 = 3, p = 1 − 0.3 = 0.7.
	// Step 2: d = 1 + 0.7 = 1.7, b = 1 + 1.7 = 2.7, d = 1.7 + 1.35 = 3.05,
	//         p = 0.7 − 0.305 = 0.395.
	p := paramWithGrad(t, []float32{1}, []float32{1})
	opt := NewSGD([]*autodiff.Value{p}, 0.1, WithMomentum(0.5), WithNesterov(), WithWeightDecay(1))
	opt.Step()
	assertClose(t, "p after step 1", p.Data().Data(), []float64{0.7}, 1e-6)
	opt.Step()
	assertClose(t, "p after step 2", p.Data().Data(), []float64{0.395}, 1e-6)
	assertClose(t, "grad", p.Grad().Data(), []float64{1}, 0)
}

func TestAdamConstantGradient(t *testing.T) {
	// lr = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-8, constant g = 2, p₀ = 1.
	// Step 1: m = 0.1·2 = 0.2, v = 0.001·4 = 0.004;
	//         m̂ = 0.2/(1 − 0.9) = 2, v̂ = 0.004/(1 − 0.999) = 4;
	//         p = 1 − 0.1·2/(√4 + 1e-8) = 1 − 0.1 = 0.9.
	// Step 2: m = 0.9·0.2 + 0.2 = 0.38, v = 0.999·0.004 + 0.004 = 0.007996;
	//         m̂ = 0.38/0.19 = 2, v̂ = 0.007996/0.001999 = 4; p = 0.8.
	// Step 3: m = 0.542, m̂ = 0.542/0.271 = 2; v = 0.011988004,
	//         v̂ = 0.011988004/0.002997001 = 4; p = 0.7.
	// A constant gradient moves the parameter by exactly lr per step: the
	// bias correction undoes the zero start of both averages. Without it,
	// step 1 alone would move p by 0.1·0.2/√0.004 ≈ 0.316.
	p := paramWithGrad(t, []float32{1}, []float32{2})
	opt := NewAdam([]*autodiff.Value{p}, 0.1)
	for i, want := range []float64{0.9, 0.8, 0.7} {
		opt.Step()
		assertClose(t, "p after step "+string(rune('1'+i)), p.Data().Data(), []float64{want}, 1e-6)
	}
}

func TestAdamEpsAfterSqrt(t *testing.T) {
	// With ε = 1 its placement shows. lr = 0.1, constant g = (2, −0.5).
	// m̂ = g and √v̂ = |g| at every step (see TestAdamConstantGradient), so
	// each step moves p by lr·g/(|g| + ε):
	//   element 0: 0.1·2/(2 + 1) = 0.0666…, p = 1 − k·0.0666…
	//   element 1: 0.1·(−0.5)/(0.5 + 1) = −0.0333…, p = k·0.0333…
	// Adding ε before the bias correction would give 0.1·2/(√0.004 + 1)·…
	// at step 1, a different number.
	p := paramWithGrad(t, []float32{1, 0}, []float32{2, -0.5})
	opt := NewAdam([]*autodiff.Value{p}, 0.1, WithEps(1))
	for k := 1; k <= 3; k++ {
		opt.Step()
		want := []float64{1 - float64(k)*0.2/3, float64(k) * 0.05 / 1.5}
		assertClose(t, "p", p.Data().Data(), want, 1e-6)
	}
}

// adamReference is Adam in float64, written from the update rule, for
// checking varying gradients.
func adamReference(p, g []float64, steps int, lr, b1, b2, eps, wd float64, decoupled bool) []float64 {
	p = append([]float64(nil), p...)
	m := make([]float64, len(p))
	v := make([]float64, len(p))
	for t := 1; t <= steps; t++ {
		for j := range p {
			gj := g[j] * float64(t) // the gradient grows with t
			if decoupled {
				p[j] -= lr * wd * p[j]
			} else {
				gj += wd * p[j]
			}
			m[j] = b1*m[j] + (1-b1)*gj
			v[j] = b2*v[j] + (1-b2)*gj*gj
			mh := m[j] / (1 - math.Pow(b1, float64(t)))
			vh := v[j] / (1 - math.Pow(b2, float64(t)))
			p[j] -= lr * mh / (math.Sqrt(vh) + eps)
		}
	}
	return p
}

func TestAdamMatchesReference(t *testing.T) {
	for _, tc := range []struct {
		name      string
		decoupled bool
		wd        float64
	}{
		{"Adam", false, 0},
		{"AdamL2", false, 0.1},
		{"AdamW", true, 0.1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p0 := []float64{0.5, -1.5, 2, 0}
			g0 := []float64{0.3, -0.7, 0.01, 1.2}
			p := autodiff.Param(tensor.FromSlice([]float32{0.5, -1.5, 2, 0}))
			var opt *Adam
			if tc.decoupled {
				opt = NewAdamW([]*autodiff.Value{p}, 0.05, WithBetas(0.8, 0.99), WithEps(1e-3), WithWeightDecay(tc.wd))
			} else {
				opt = NewAdam([]*autodiff.Value{p}, 0.05, WithBetas(0.8, 0.99), WithEps(1e-3), WithWeightDecay(tc.wd))
			}
			for step := 1; step <= 5; step++ {
				// Set the gradient to step·g0 through a backward pass.
				opt.ZeroGrad()
				c := make([]float32, len(g0))
				for j := range g0 {
					c[j] = float32(g0[j] * float64(step))
				}
				autodiff.SumAll(autodiff.Mul(p, autodiff.Const(tensor.FromSlice(c)))).Backward()
				opt.Step()
			}
			want := adamReference(p0, g0, 5, 0.05, 0.8, 0.99, 1e-3, tc.wd, tc.decoupled)
			assertClose(t, "p", p.Data().Data(), want, 1e-5)
		})
	}
}

func TestAdamWDecay(t *testing.T) {
	// AdamW with lr = 0.1 and λ = 0.5 first shrinks p by the factor
	// 1 − 0.1·0.5 = 0.95. With a zero gradient m = v = 0, so the Adam part
	// is 0/(0 + ε) = 0 and only the decay acts: p = 0.95, then 0.9025.
	p := paramWithGrad(t, []float32{1}, []float32{0})
	opt := NewAdamW([]*autodiff.Value{p}, 0.1, WithWeightDecay(0.5))
	opt.Step()
	assertClose(t, "p after step 1", p.Data().Data(), []float64{0.95}, 1e-7)
	opt.Step()
	assertClose(t, "p after step 2", p.Data().Data(), []float64{0.9025}, 1e-7)

	// With constant g = 2 the Adam part moves p by lr = 0.1 per step, after
	// the decay: 1·0.95 − 0.1 = 0.85, then 0.85·0.95 − 0.1 = 0.7075.
	q := paramWithGrad(t, []float32{1}, []float32{2})
	opt = NewAdamW([]*autodiff.Value{q}, 0.1, WithWeightDecay(0.5))
	opt.Step()
	assertClose(t, "q after step 1", q.Data().Data(), []float64{0.85}, 1e-6)
	opt.Step()
	assertClose(t, "q after step 2", q.Data().Data(), []float64{0.7075}, 1e-6)
}

func TestAdamWDefaultDecay(t *testing.T) {
	// The default λ is 0.01: with lr = 1 and a zero gradient, p shrinks by
	// 1 − 0.01 per step.
	p := paramWithGrad(t, []float32{2}, []float32{0})
	NewAdamW([]*autodiff.Value{p}, 1).Step()
	assertClose(t, "p", p.Data().Data(), []float64{1.98}, 1e-6)
}

func TestStepSkipsNilGrad(t *testing.T) {
	noGrad := autodiff.Param(tensor.FromSlice([]float32{3}))
	withGrad := paramWithGrad(t, []float32{1}, []float32{1})
	params := []*autodiff.Value{noGrad, withGrad}
	for _, opt := range []Optimizer{
		NewSGD(params, 0.1, WithMomentum(0.9), WithWeightDecay(0.1)),
		NewAdam(params, 0.1, WithWeightDecay(0.1)),
		NewAdamW(params, 0.1),
	} {
		opt.Step()
		if got := noGrad.Data().Data()[0]; got != 3 {
			t.Errorf("%T changed a parameter without gradient: %v, want 3", opt, got)
		}
	}
	if got := withGrad.Data().Data()[0]; got >= 1 {
		t.Errorf("parameter with gradient did not move: %v", got)
	}
}

func TestAdamStepCountPerParam(t *testing.T) {
	// A parameter that gets its first gradient late starts its own bias
	// correction at t = 1, so its first update is exactly lr·sign(g).
	a := paramWithGrad(t, []float32{0}, []float32{1})
	b := autodiff.Param(tensor.FromSlice([]float32{0}))
	opt := NewAdam([]*autodiff.Value{a, b}, 0.1)
	opt.Step()
	opt.Step()
	autodiff.SumAll(autodiff.Mul(b, autodiff.Const(tensor.FromSlice([]float32{-3})))).Backward()
	opt.Step()
	assertClose(t, "b", b.Data().Data(), []float64{0.1}, 1e-6)
	assertClose(t, "a", a.Data().Data(), []float64{-0.3}, 1e-6)
}

func TestZeroGradAndLR(t *testing.T) {
	p := paramWithGrad(t, []float32{1, 2}, []float32{3, 4})
	for _, opt := range []Optimizer{
		NewSGD([]*autodiff.Value{p}, 0.1),
		NewAdam([]*autodiff.Value{p}, 0.1),
	} {
		if opt.LR() != 0.1 {
			t.Errorf("%T.LR() = %v, want 0.1", opt, opt.LR())
		}
		opt.SetLR(0.25)
		if opt.LR() != 0.25 {
			t.Errorf("%T.LR() after SetLR(0.25) = %v", opt, opt.LR())
		}
		expectPanic(t, "SetLR(-1)", func() { opt.SetLR(-1) }, "learning rate", "-1")
		expectPanic(t, "SetLR(NaN)", func() { opt.SetLR(math.NaN()) }, "learning rate")
	}
	NewSGD([]*autodiff.Value{p}, 0.1).ZeroGrad()
	assertClose(t, "grad after ZeroGrad", p.Grad().Data(), []float64{0, 0}, 0)
}

func TestSetLRTakesEffect(t *testing.T) {
	p := paramWithGrad(t, []float32{1}, []float32{1})
	opt := NewSGD([]*autodiff.Value{p}, 0.1)
	opt.SetLR(0.5)
	opt.Step()
	assertClose(t, "p", p.Data().Data(), []float64{0.5}, 1e-7)
}

func TestConstructorsRejectBadInput(t *testing.T) {
	p := autodiff.Param(tensor.Zeros(2, 3))
	ps := []*autodiff.Value{p}
	view := autodiff.Param(tensor.Zeros(2, 3).T())
	cases := []struct {
		name      string
		fn        func()
		fragments []string
	}{
		{"negative lr", func() { NewSGD(ps, -0.1) }, []string{"NewSGD", "learning rate"}},
		{"infinite lr", func() { NewAdam(ps, math.Inf(1)) }, []string{"NewAdam", "learning rate"}},
		{"momentum 1", func() { NewSGD(ps, 0.1, WithMomentum(1)) }, []string{"momentum = 1"}},
		{"negative momentum", func() { NewSGD(ps, 0.1, WithMomentum(-0.5)) }, []string{"momentum"}},
		{"nesterov without momentum", func() { NewSGD(ps, 0.1, WithNesterov()) }, []string{"WithNesterov", "WithMomentum"}},
		{"negative decay", func() { NewSGD(ps, 0.1, WithWeightDecay(-1)) }, []string{"weight decay"}},
		{"NaN decay", func() { NewAdamW(ps, 0.1, WithWeightDecay(math.NaN())) }, []string{"weight decay"}},
		{"beta1 1", func() { NewAdam(ps, 0.1, WithBetas(1, 0.999)) }, []string{"beta1"}},
		{"beta2 negative", func() { NewAdam(ps, 0.1, WithBetas(0.9, -0.1)) }, []string{"beta2"}},
		{"negative eps", func() { NewAdam(ps, 0.1, WithEps(-1e-8)) }, []string{"eps"}},
		{"momentum on Adam", func() { NewAdam(ps, 0.1, WithMomentum(0.9)) }, []string{"NewAdam", "WithMomentum", "does not apply"}},
		{"betas on SGD", func() { NewSGD(ps, 0.1, WithBetas(0.9, 0.99)) }, []string{"NewSGD", "WithBetas"}},
		{"nil option", func() { NewSGD(ps, 0.1, nil) }, []string{"nil Option"}},
		{"nil param", func() { NewSGD([]*autodiff.Value{p, nil}, 0.1) }, []string{"parameter 1 is nil"}},
		{"repeated param", func() { NewAdam([]*autodiff.Value{p, p}, 0.1) }, []string{"parameter 1", "parameter 0"}},
		{"view param", func() { NewAdam([]*autodiff.Value{view}, 0.1) }, []string{"non-contiguous"}},
	}
	for _, tc := range cases {
		expectPanic(t, tc.name, tc.fn, tc.fragments...)
	}
}

func TestEmptyParams(t *testing.T) {
	// An optimizer over no parameters is valid and does nothing.
	for _, opt := range []Optimizer{NewSGD(nil, 0.1, WithMomentum(0.9)), NewAdam(nil, 0.1)} {
		opt.Step()
		opt.ZeroGrad()
	}
	if n := ClipGradNorm(nil, 1); n != 0 {
		t.Errorf("ClipGradNorm(nil) = %v, want 0", n)
	}
}

func TestStepAllocatesNothing(t *testing.T) {
	newParams := func() []*autodiff.Value {
		return []*autodiff.Value{
			paramWithGrad(t, make([]float32, 100), make([]float32, 100)),
			paramWithGrad(t, make([]float32, 7), make([]float32, 7)),
		}
	}
	for name, opt := range map[string]Optimizer{
		"SGD":      NewSGD(newParams(), 0.1),
		"Momentum": NewSGD(newParams(), 0.1, WithMomentum(0.9), WithWeightDecay(0.1)),
		"Nesterov": NewSGD(newParams(), 0.1, WithMomentum(0.9), WithNesterov()),
		"Adam":     NewAdam(newParams(), 0.1, WithWeightDecay(0.1)),
		"AdamW":    NewAdamW(newParams(), 0.1),
	} {
		opt.Step() // the first step allocates the state
		if n := testing.AllocsPerRun(10, opt.Step); n != 0 {
			t.Errorf("%s: Step allocates %v times per call after the first", name, n)
		}
	}
	ps := newParams()
	if n := testing.AllocsPerRun(10, func() { ClipGradNorm(ps, 1) }); n != 0 {
		t.Errorf("ClipGradNorm allocates %v times per call", n)
	}
}

func TestDeterministic(t *testing.T) {
	run := func() []float32 {
		p := paramWithGrad(t, []float32{0.1, 0.2, 0.3}, []float32{1, -2, 3})
		opt := NewAdam([]*autodiff.Value{p}, 0.01)
		for range 10 {
			opt.Step()
		}
		return p.Data().Data()
	}
	a, b := run(), run()
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("run 1 gives %v, run 2 gives %v", a, b)
		}
	}
}
