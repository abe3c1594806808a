package main

import "fmt"

// peakLoop emits fmaLoop<tier>(iters int): iters steps of independent
// fused multiply-adds on every accumulator register, enough of them to
// cover the FMA latency on two ports, so the loop runs at the core's FMA
// throughput. The operands stay zero, so no subnormal slows it down.
func peakLoop(o *out, s isa) {
	args := []param{{"iters", "int"}}
	name := "fmaLoop" + s.name
	accs := 24
	if !s.is512() {
		accs = 12
	}
	declare(name+" runs iters steps of "+itoa(accs)+" independent vector fused multiply-adds,\n"+
		itoa(accs*s.width*2)+" floating-point operations per step, to measure the FMA peak.", goDecl(name, args, nil))
	off := text(o, name, args, nil)
	a, b := s.r(accs), s.r(accs+1)
	o.p("\tMOVQ iters+%d(FP), CX", off["iters"])
	for i := 0; i < accs+2; i++ {
		o.p("\tVXORPS %s, %s, %s", s.r(i), s.r(i), s.r(i))
	}
	o.p("\tTESTQ CX, CX")
	o.p("\tJZ done")
	o.p("loop:")
	for i := 0; i < accs; i++ {
		o.p("\tVFMADD231PS %s, %s, %s", a, b, s.r(i))
	}
	o.p("\tDECQ CX")
	o.p("\tJNZ loop")
	o.p("done:")
	o.p("\tVZEROUPPER")
	o.p("\tRET")
}

func itoa(n int) string {
	return fmt.Sprint(n)
}
