package containerfile

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLintCorpus lints the example corpus (Containerfile.example and
// testdata/containerfiles/{good,bad}); b.N counts Containerfiles, so
// files/s = 1e9 / ns/op. Target: >= 10,000 files/s on one core (-cpu 1).
func BenchmarkLintCorpus(b *testing.B) {
	var corpus []string
	paths, _ := filepath.Glob(filepath.Join(repoRoot, "testdata/containerfiles/*/*.Containerfile"))
	paths = append(paths, filepath.Join(repoRoot, "Containerfile.example"))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		corpus = append(corpus, string(data))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := LintContent("Containerfile", corpus[i%len(corpus)], Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "files/s")
}

// BenchmarkLintMachineOSConfig lints the two-document MachineOSConfig YAML.
func BenchmarkLintMachineOSConfig(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "testdata/containerfiles/mosc/worker.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := LintFile("worker.yaml", data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
