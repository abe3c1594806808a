package main

import "fmt"

// Offsets of the fields of asm.AdamStep, nine float32 values in order.
var adamFields = []string{"beta1", "oneMinusBeta1", "beta2", "oneMinusBeta2", "eps", "decay", "l2", "stepSize", "invSqrtCorr2"}

func adamOff(name string) int {
	for i, f := range adamFields {
		if f == name {
			return 4 * i
		}
	}
	panic("unknown Adam field " + name)
}

// adamKernels emits adamUpdate<tier> and adamUpdateL2<tier>, one pass of
// Adam over p, g, m and v that matches AdamUpdateGeneric bit for bit: every
// product is rounded before it is added, as in the Go loop.
//
// Register roles: DI, SI, DX, BX bases of p, g, m, v; AX element index; CX
// length; R10 the *AdamStep. AVX-512 keeps the nine constants in Z16..Z24
// and the flush bounds in Z25 (0x7fffffff) and Z26 (0x00800000); AVX2
// broadcasts a constant into Y9 as it needs it, with the bounds in Y10 and
// Y11 and the tail mask in Y15. Y0..Y3 hold p, g, m, v; Y4..Y8 are scratch.
func adamKernels(o *out, s isa) {
	for _, l2 := range []bool{false, true} {
		adamKernel(o, s, l2)
	}
}

func adamKernel(o *out, s isa, l2 bool) {
	name := "adamUpdate" + s.name
	if l2 {
		name = "adamUpdateL2" + s.name
	}
	args := []param{{"p", "slice"}, {"g", "slice"}, {"m", "slice"}, {"v", "slice"}, {"c", "adam"}}
	gStep := ""
	if l2 {
		gStep = "\tg := g[j] + float32(c.L2*pj)   // g[j] alone in adamUpdate" + s.name + "\n"
	} else {
		gStep = "\tg := g[j]                       // adamUpdateL2" + s.name + " adds float32(c.L2*pj)\n"
	}
	declare(name+" computes, for each j,\n\n"+
		"\tpj := p[j] * c.Decay\n"+gStep+
		"\tmj := flush(float32(c.Beta1*m[j]) + float32(c.OneMinusBeta1*g))\n"+
		"\tvj := flush(float32(c.Beta2*v[j]) + float32(c.OneMinusBeta2*float32(g*g)))\n"+
		"\tm[j], v[j] = mj, vj\n"+
		"\tp[j] = pj - float32(c.StepSize*(mj/(float32(sqrt(vj)*c.InvSqrtCorr2)+c.Eps)))\n\n"+
		"where flush returns +0 for a subnormal or zero argument. All four slices\nhave len(p) elements.",
		goDecl(name, args, nil))
	off := text(o, name, args, nil)

	o.p("\tMOVQ p_base+%d(FP), DI", off["p"])
	o.p("\tMOVQ p_len+%d(FP), CX", off["p"]+8)
	o.p("\tMOVQ g_base+%d(FP), SI", off["g"])
	o.p("\tMOVQ m_base+%d(FP), DX", off["m"])
	o.p("\tMOVQ v_base+%d(FP), BX", off["v"])
	o.p("\tMOVQ c+%d(FP), R10", off["c"])

	// cst returns a register holding constant name, broadcasting it
	// into Y9 first on AVX2.
	cst := func(name string) string {
		if s.is512() {
			for i, f := range adamFields {
				if f == name {
					return fmt.Sprintf("Z%d", 16+i)
				}
			}
		}
		o.p("\tVBROADCASTSS %d(R10), Y9", adamOff(name))
		return "Y9"
	}
	absMask, minNormal := "Y10", "Y11"
	if s.is512() {
		absMask, minNormal = "Z25", "Z26"
		for i, f := range adamFields {
			o.p("\tVBROADCASTSS %d(R10), Z%d", adamOff(f), 16+i)
		}
	}
	o.p("\tMOVL $0x7fffffff, R8")
	o.p("\tMOVQ R8, X12")
	o.p("\tVPBROADCASTD X12, %s", absMask)
	o.p("\tMOVL $0x00800000, R8")
	o.p("\tMOVQ R8, X12")
	o.p("\tVPBROADCASTD X12, %s", minNormal)
	o.p("\tXORQ AX, AX")

	r := s.r
	bases := []string{"DI", "SI", "DX", "BX"}
	body := func(mask bool) {
		for i, b := range bases {
			addr := fmt.Sprintf("(%s)(AX*4)", b)
			switch {
			case !mask:
				o.p("\tVMOVUPS %s, %s", addr, r(i))
			case s.is512():
				o.p("\tVMOVUPS.Z %s, K1, %s", addr, r(i))
			default:
				o.p("\tVMASKMOVPS %s, Y15, %s", addr, r(i))
			}
		}
		p, g, m, v := r(0), r(1), r(2), r(3)
		o.p("\tVMULPS %s, %s, %s", cst("decay"), p, p)
		if l2 {
			o.p("\tVMULPS %s, %s, %s", cst("l2"), p, r(4))
			o.p("\tVADDPS %s, %s, %s", r(4), g, g)
		}
		o.p("\tVMULPS %s, %s, %s", cst("beta1"), m, m)
		o.p("\tVMULPS %s, %s, %s", cst("oneMinusBeta1"), g, r(4))
		o.p("\tVADDPS %s, %s, %s", r(4), m, m)
		o.p("\tVMULPS %s, %s, %s", g, g, r(5))
		o.p("\tVMULPS %s, %s, %s", cst("oneMinusBeta2"), r(5), r(5))
		o.p("\tVMULPS %s, %s, %s", cst("beta2"), v, v)
		o.p("\tVADDPS %s, %s, %s", r(5), v, v)
		// Flush subnormal moments to +0: keep a lane only where its
		// magnitude bits reach the smallest normal.
		for _, x := range []string{m, v} {
			if s.is512() {
				o.p("\tVPANDD %s, %s, %s", absMask, x, r(6))
				o.p("\tVPCMPUD $5, %s, %s, K2", minNormal, r(6))
				o.p("\tVMOVUPS.Z %s, K2, %s", x, x)
			} else {
				o.p("\tVPAND %s, %s, %s", absMask, x, r(6))
				o.p("\tVPCMPGTD %s, %s, %s", r(6), minNormal, r(6))
				o.p("\tVPANDN %s, %s, %s", x, r(6), x)
			}
		}
		o.p("\tVSQRTPS %s, %s", v, r(7))
		o.p("\tVMULPS %s, %s, %s", cst("invSqrtCorr2"), r(7), r(7))
		o.p("\tVADDPS %s, %s, %s", cst("eps"), r(7), r(7))
		o.p("\tVDIVPS %s, %s, %s", r(7), m, r(8))
		o.p("\tVMULPS %s, %s, %s", cst("stepSize"), r(8), r(8))
		o.p("\tVSUBPS %s, %s, %s", r(8), p, p)
		for i, b := range []string{"DI", "DX", "BX"} {
			src := []string{p, m, v}[i]
			addr := fmt.Sprintf("(%s)(AX*4)", b)
			switch {
			case !mask:
				o.p("\tVMOVUPS %s, %s", src, addr)
			case s.is512():
				o.p("\tVMOVUPS %s, K1, %s", src, addr)
			default:
				o.p("\tVMASKMOVPS %s, Y15, %s", src, addr)
			}
		}
	}

	o.p("\tMOVQ CX, R9")
	o.p("\tANDQ $-%d, R9", s.width)
	o.p("\tJZ tail")
	o.p("loop:")
	body(false)
	o.p("\tADDQ $%d, AX", s.width)
	o.p("\tCMPQ AX, R9")
	o.p("\tJLT loop")
	o.p("tail:")
	o.p("\tSUBQ AX, CX")
	o.p("\tJZ done")
	// tailMask clobbers R8 and R9, both free here.
	tailMask(o, s)
	body(true)
	o.p("done:")
	o.p("\tVZEROUPPER")
	o.p("\tRET")
}
