package main

import (
	"math"
	"strings"
	"testing"

	"github.com/heed-ml/heed/nn"
)

// defaults returns the flag values main starts from.
func defaults() config {
	return config{epochs: 5, batch: 64, lr: 1e-3, trainLimit: 10000, seed: 1}
}

func TestValidateAcceptsDefaults(t *testing.T) {
	if err := defaults().validate(); err != nil {
		t.Fatalf("default flags rejected: %v", err)
	}
}

// TestValidateRejectsBadFlags checks that each bad value is caught and that
// the error names the flag, so a user knows what to fix.
func TestValidateRejectsBadFlags(t *testing.T) {
	cases := []struct {
		flag string
		edit func(*config)
	}{
		{"-epochs", func(c *config) { c.epochs = 0 }},
		{"-batch", func(c *config) { c.batch = -1 }},
		{"-lr", func(c *config) { c.lr = 0 }},
		{"-lr", func(c *config) { c.lr = -0.01 }},
		{"-lr", func(c *config) { c.lr = math.Inf(1) }},
		{"-lr", func(c *config) { c.lr = math.NaN() }},
		{"-train-limit", func(c *config) { c.trainLimit = -5 }},
		{"-test-limit", func(c *config) { c.testLimit = -1 }},
	}
	for _, tc := range cases {
		c := defaults()
		tc.edit(&c)
		err := c.validate()
		if err == nil {
			t.Errorf("%s: %+v accepted, want an error", tc.flag, c)
			continue
		}
		if !strings.HasPrefix(err.Error(), tc.flag+" ") {
			t.Errorf("%s: error %q does not name the flag", tc.flag, err)
		}
	}
}

// TestNewModelSameSeedSameWeights checks the premise of the lesson: every
// strategy's run starts from identical weights.
func TestNewModelSameSeedSameWeights(t *testing.T) {
	a, err := newModel(7)
	if err != nil {
		t.Fatal(err)
	}
	b, err := newModel(7)
	if err != nil {
		t.Fatal(err)
	}
	if n := nn.CountParams(a.Params()); n != 367508 {
		t.Errorf("model has %d parameters, want 367508 as heed paradox's mlp model", n)
	}
	pa, pb := nn.Values(a.Params()), nn.Values(b.Params())
	for i := range pa {
		da, db := pa[i].Data().Data(), pb[i].Data().Data()
		for j := range da {
			if da[j] != db[j] {
				t.Fatalf("parameter %d differs at %d: %v vs %v", i, j, da[j], db[j])
			}
		}
	}
}
