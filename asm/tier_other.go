//go:build !amd64 || purego

package asm

// bestTier returns the fastest tier this build can run. Without amd64
// assembly (another architecture, or the purego build tag) that is the
// generic tier.
func bestTier() Tier { return TierGeneric }

// installArch replaces entries of k with tier t's kernels; the generic
// table is already complete, so there is nothing to replace.
func installArch(t Tier, k *kernelTable) {}

func fmaLoop(t Tier, iters int) int64 { return 0 }
