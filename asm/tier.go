package asm

import (
	"fmt"
	"os"
	"strings"
)

// Tier is a family of kernel implementations chosen for the running CPU.
type Tier int

const (
	// TierGeneric is the plain-Go reference implementation, used on every
	// platform and under the purego build tag.
	TierGeneric Tier = iota
	// TierAVX2 uses AVX2 and FMA3 instructions on amd64.
	TierAVX2
	// TierAVX512 uses AVX-512 (F, BW, DQ, VL) instructions on amd64.
	TierAVX512
)

// String returns the tier's name as accepted by HEED_ASM_TIER.
func (t Tier) String() string {
	switch t {
	case TierGeneric:
		return "generic"
	case TierAVX2:
		return "avx2"
	case TierAVX512:
		return "avx512"
	}
	return fmt.Sprintf("Tier(%d)", int(t))
}

// TierEnv is the environment variable that caps the tier chosen at start-up,
// for example HEED_ASM_TIER=generic or HEED_ASM_TIER=avx2. A tier above what
// the CPU supports is ignored.
const TierEnv = "HEED_ASM_TIER"

var current Tier

func init() {
	best := bestTier()
	if v := strings.TrimSpace(os.Getenv(TierEnv)); v != "" {
		t, err := ParseTier(v)
		if err != nil {
			fmt.Fprintf(os.Stderr, "heed/asm: ignoring %s: %v\n", TierEnv, err)
		} else if t < best {
			best = t
		}
	}
	install(best)
}

// ParseTier converts a tier name ("generic", "avx2", "avx512") to a Tier.
func ParseTier(name string) (Tier, error) {
	switch strings.ToLower(name) {
	case "generic", "purego", "go":
		return TierGeneric, nil
	case "avx2":
		return TierAVX2, nil
	case "avx512", "avx-512":
		return TierAVX512, nil
	}
	return TierGeneric, fmt.Errorf("unknown kernel tier %q: want generic, avx2 or avx512", name)
}

// CurrentTier returns the tier whose kernels the exported functions run.
func CurrentTier() Tier { return current }

// BestTier returns the fastest tier this CPU and build support.
func BestTier() Tier { return bestTier() }

// SupportedTiers lists every tier this CPU and build can run, slowest first.
// Tests use it to run each tier against the generic references.
func SupportedTiers() []Tier {
	var tiers []Tier
	for t := TierGeneric; t <= bestTier(); t++ {
		tiers = append(tiers, t)
	}
	return tiers
}

// SetTier switches the exported kernels to tier t and returns a function
// that restores the previous tier. It panics if the CPU cannot run t.
// SetTier is meant for tests and benchmarks: it is not safe to call while
// other goroutines run kernels.
func SetTier(t Tier) (restore func()) {
	if t > bestTier() || t < TierGeneric {
		panic(fmt.Sprintf("asm.SetTier: tier %v is not supported on this CPU (best is %v)", t, bestTier()))
	}
	prev := current
	install(t)
	return func() { install(prev) }
}
