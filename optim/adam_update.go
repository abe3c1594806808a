package optim

import "math"

// adamStep holds the float32 constants of one Adam update of one
// parameter, with the bias corrections of its step count t folded in.
type adamStep struct {
	beta1, oneMinusBeta1 float32
	beta2, oneMinusBeta2 float32
	eps                  float32
	// decay multiplies p before the update: 1−lr·λ for AdamW, 1 otherwise.
	decay float32
	// l2 is λ for Adam with L2 weight decay and 0 otherwise.
	l2 float32
	// stepSize is lr/(1−β1ᵗ) and invSqrtCorr2 is 1/√(1−β2ᵗ).
	stepSize, invSqrtCorr2 float32
}

// update applies one Adam step to p in a single pass over p, g, m and v.
//
// The loop is scalar Go. On the AVX-512 tier it costs about as much as the
// sequence of asm kernels it replaced (scale, axpy, multiply, divide and a
// scalar square-root loop, each streaming the 400 KB arrays again). Under
// the purego tag it is about 1.8 times faster than that sequence.
//
// A moment that falls below the smallest normal float32 is set to zero, as
// a CPU in flush-to-zero mode would do. The weights of a dead ReLU unit get
// a zero gradient at every step, so their m decays by β1 per step into the
// subnormal range and then sticks there, because 0.9 times the smallest
// subnormal rounds back to it. Every x86 multiply or divide that touches a
// subnormal takes a slow microcode assist, and before this flush the MLP
// benchmark spent most of its Adam time in them. With the default ε and β1
// a flushed moment changed the update by less than 1.2·10⁻²⁹·lr.
//
// NOTE: the loop is bound by its scalar square root and division. A fused
// AVX-512 kernel doing the same pass 16 lanes at a time belongs in asm.
func (h adamStep) update(p, g, m, v []float32) {
	// Local copies let the compiler keep the constants in registers
	// instead of reloading them from the struct on every element.
	beta1, oneMinusBeta1 := h.beta1, h.oneMinusBeta1
	beta2, oneMinusBeta2 := h.beta2, h.oneMinusBeta2
	eps, decay, l2 := h.eps, h.decay, h.l2
	stepSize, invSqrtCorr2 := h.stepSize, h.invSqrtCorr2

	p = p[:len(g)]
	m = m[:len(g)]
	v = v[:len(g)]
	for j, gj := range g {
		pj := p[j] * decay
		if l2 != 0 {
			gj += l2 * pj
		}
		mj := beta1*m[j] + oneMinusBeta1*gj
		vj := beta2*v[j] + oneMinusBeta2*(gj*gj)
		mj = flushSubnormal(mj)
		vj = flushSubnormal(vj)
		m[j] = mj
		v[j] = vj

		// The float32 round trip through math.Sqrt compiles to one
		// single-precision square root and is correctly rounded.
		denom := float32(math.Sqrt(float64(vj)))*invSqrtCorr2 + eps
		p[j] = pj - stepSize*(mj/denom)
	}
}

// flushSubnormal returns x, or zero if x is subnormal. It works on the bits
// so that the compiler emits a conditional move: a branch on the value
// mispredicts wherever dead and live units interleave, which made the loop
// three times slower on MLP gradients.
func flushSubnormal(x float32) float32 {
	b := math.Float32bits(x)
	if b&0x7fffffff < 0x00800000 {
		b = 0
	}
	return math.Float32frombits(b)
}
