package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestRunRejectsBadFlags(t *testing.T) {
	cases := []struct {
		name                      string
		epochs, batch, trainLimit int
		lr                        float64
		want                      string
	}{
		{"zero epochs", 0, 64, 0, 1e-3, "-epochs 0"},
		{"zero batch", 1, 0, 0, 1e-3, "-batch 0"},
		{"negative limit", 1, 64, -5, 1e-3, "-train-limit -5"},
		{"zero rate", 1, 64, 0, 0, "-lr 0"},
	}
	for _, tc := range cases {
		err := run(tc.epochs, tc.batch, "", 1, tc.trainLimit, tc.lr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", tc.name, err, tc.want)
		}
	}
}

func TestRunMissingDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "absent")
	err := run(1, 64, dir, 1, 0, 1e-3)
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Fatalf("error %v, want one naming %s", err, dir)
	}
}
