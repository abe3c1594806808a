package asm

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedFilesUpToDate reruns the generator in asm/_gen into a
// temporary folder and fails if any committed output differs, so a hand
// edit of a .s file or a generator change without regeneration is caught.
func TestGeneratedFilesUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the Go toolchain; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found on PATH")
	}
	dir := t.TempDir()
	cmd := exec.Command(goTool, "run", ".", dir)
	cmd.Dir = "_gen"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("running the generator failed: %v\n%s", err, out)
	}
	for _, name := range []string{"kernels_amd64.s", "sgemm_amd64.s", "stubs_amd64.go"} {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("the generator did not write %s: %v", name, err)
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output; run \"cd asm/_gen && go run .\" and commit the result", name)
		}
	}
}
