package asm

// FMALoop runs iters steps of independent vector fused multiply-adds with
// tier t's widest registers and returns the floating-point operations it
// did, so timing it gives one core's FMA peak. For the generic tier, which
// has no such loop, it returns 0 without running anything. It panics if the
// CPU cannot run t.
func FMALoop(t Tier, iters int) (flops int64) {
	if t > bestTier() || t < TierGeneric {
		panic("asm.FMALoop: tier " + t.String() + " is not supported on this CPU")
	}
	if iters <= 0 {
		return 0
	}
	return fmaLoop(t, iters)
}
