package asm

import (
	"fmt"
	"math"
)

// AdamStep holds the float32 constants of one Adam update, with the bias
// corrections of step t folded in. The field order is fixed: the assembly
// reads the fields by offset.
type AdamStep struct {
	Beta1, OneMinusBeta1 float32
	Beta2, OneMinusBeta2 float32
	Eps                  float32
	// Decay multiplies p before the update: 1−lr·λ for AdamW, 1 otherwise.
	Decay float32
	// L2 is λ for Adam with L2 weight decay, 0 otherwise.
	L2 float32
	// StepSize is lr/(1−β1ᵗ) and InvSqrtCorr2 is 1/√(1−β2ᵗ).
	StepSize, InvSqrtCorr2 float32
}

// AdamUpdateGeneric applies one Adam step to parameters p with gradient g
// and moments m and v, all of the same length:
//
//	for j := range p {
//		pj := p[j] * c.Decay
//		gj := g[j]
//		if c.L2 != 0 { gj += float32(c.L2 * pj) }
//		mj := flush(float32(c.Beta1*m[j]) + float32(c.OneMinusBeta1*gj))
//		vj := flush(float32(c.Beta2*v[j]) + float32(c.OneMinusBeta2*float32(gj*gj)))
//		m[j], v[j] = mj, vj
//		p[j] = pj - float32(c.StepSize*(mj/(float32(sqrt(vj)*c.InvSqrtCorr2)+c.Eps)))
//	}
//
// flush returns +0 for a zero or subnormal moment, as flush-to-zero
// hardware would: a moment that decays into the subnormal range otherwise
// sticks there and makes every later multiply take a slow microcode path.
// Every product is rounded before it is added, so no platform fuses it.
func AdamUpdateGeneric(c *AdamStep, p, g, m, v []float32) {
	g = g[:len(p)]
	m = m[:len(p)]
	v = v[:len(p)]
	for j := range p {
		pj := p[j] * c.Decay
		gj := g[j]
		if c.L2 != 0 {
			gj += float32(c.L2 * pj)
		}
		mj := flushSubnormal(float32(c.Beta1*m[j]) + float32(c.OneMinusBeta1*gj))
		vj := flushSubnormal(float32(c.Beta2*v[j]) + float32(c.OneMinusBeta2*float32(gj*gj)))
		m[j], v[j] = mj, vj
		// The float64 round trip is one correctly rounded float32 sqrt.
		denom := float32(float32(math.Sqrt(float64(vj)))*c.InvSqrtCorr2) + c.Eps
		p[j] = pj - float32(c.StepSize*(mj/denom))
	}
}

func flushSubnormal(x float32) float32 {
	if math.Float32bits(x)&0x7fffffff < 0x00800000 {
		return 0
	}
	return x
}

// AdamUpdate applies one Adam step in a single pass over p, g, m and v.
// AdamUpdateGeneric gives the exact loop, which every tier matches bit for
// bit. AdamUpdate panics if the four lengths differ.
func AdamUpdate(c *AdamStep, p, g, m, v []float32) {
	if len(g) != len(p) || len(m) != len(p) || len(v) != len(p) {
		panic(fmt.Sprintf("asm.AdamUpdate: length mismatch: p %d, g %d, m %d, v %d", len(p), len(g), len(m), len(v)))
	}
	impl.adamUpdate(c, p, g, m, v)
}
