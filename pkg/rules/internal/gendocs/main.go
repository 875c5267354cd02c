package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendocs DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pages := rules.Pages()
	// Pages of rules no longer in the list would mislead: remove them.
	old, _ := filepath.Glob(filepath.Join(dir, "OCL*.md"))
	for _, p := range old {
		if _, ok := pages[filepath.Base(p)]; !ok {
			_ = os.Remove(p)
		}
	}
	for name, text := range pages {
		if err := writeAtomic(filepath.Join(dir, name), text); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

func writeAtomic(path, text string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".gendocs-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(text); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
