package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/kvmfit/kvmfit/model"
	"github.com/spf13/pflag"
)

func roundTo(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

func mkdirFor(path string) error {
	dir := filepath.Dir(path)
	if dir == "." {
		return nil
	}
	return os.MkdirAll(dir, 0o755)
}

// flagDefault is the value a preset gives dst unless flag was given.
type flagDefault struct {
	flag string
	dst  *float64
	val  float64
}

// unlessGiven sets every dst to its preset value unless its flag was given
// on the command line (every one when fs is nil: no command line).
func unlessGiven(fs *pflag.FlagSet, defaults []flagDefault) {
	for _, d := range defaults {
		if fs == nil || !fs.Changed(d.flag) {
			*d.dst = d.val
		}
	}
}

// didYouMean returns "; did you mean X?" for the entry of known closest to
// word, else " (NOUN: a, b, c)" listing them all.
func didYouMean(word string, known []string, noun string) string {
	if s := model.SuggestName(word, known); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return fmt.Sprintf(" (%s: %s)", noun, strings.Join(known, ", "))
}

// byteSizeValue is a flag holding a byte count in a float64: it reads
// what model.ParseByteSize reads ("8GiB", "512MB", "1e9") and shows the
// value as model.FormatByteSize writes it ("8GiB").
type byteSizeValue struct{ p *float64 }

func (v byteSizeValue) String() string {
	if v.p == nil {
		return "0B"
	}
	return model.FormatByteSize(*v.p)
}

func (v byteSizeValue) Set(s string) error {
	b, err := model.ParseByteSize(s)
	if err != nil {
		return err
	}
	if b < 0 {
		return fmt.Errorf("byte size %q: must not be negative", s)
	}
	*v.p = float64(b)
	return nil
}

func (v byteSizeValue) Type() string { return "bytes" }

// byteSizeVar defines a byte-size flag with default def.
func byteSizeVar(fs *pflag.FlagSet, p *float64, name string, def float64, usage string) {
	*p = def
	fs.Var(byteSizeValue{p}, name, usage)
}

// presetDefault makes the help of flag say that --virt sets its default:
// "(default 8GiB, from --virt)".
func presetDefault(fs *pflag.FlagSet, flag string) {
	if f := fs.Lookup(flag); f != nil {
		f.DefValue += ", from --virt"
	}
}

// checkWritable makes sure a file can be written at path before the work
// that produces it starts: it creates path's directory, and writes and
// removes a probe file there. It is an error when path is a directory.
func checkWritable(flag, path string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s %s: is a directory, not a file", flag, path)
	}
	if err := mkdirFor(path); err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".kvmfit-probe-*")
	if err != nil {
		return fmt.Errorf("%s %s: cannot write there: %w", flag, path, err)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return nil
}

// outputFile is one file a command writes.
type outputFile struct {
	path string
	data []byte
}

// writeOutputs writes every file or none: each goes to a temporary file
// beside its path first, and only when all are written (and synced) are
// they renamed into place. On an error every temporary file is removed;
// the files already in place before are left as they were.
func writeOutputs(files []outputFile) error {
	var tmps []string
	fail := func(err error) error {
		for _, t := range tmps {
			os.Remove(t)
		}
		return err
	}
	for _, f := range files {
		if err := mkdirFor(f.path); err != nil {
			return fail(err)
		}
		t, err := os.CreateTemp(filepath.Dir(f.path), "."+filepath.Base(f.path)+".tmp*")
		if err != nil {
			return fail(fmt.Errorf("write %s: %w", f.path, err))
		}
		tmps = append(tmps, t.Name())
		_, err = t.Write(f.data)
		if err == nil {
			err = t.Sync()
		}
		if cerr := t.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(t.Name(), 0o644)
		}
		if err != nil {
			return fail(fmt.Errorf("write %s: %w", f.path, err))
		}
	}
	var errs []error
	for i, f := range files {
		if err := os.Rename(tmps[i], f.path); err != nil {
			os.Remove(tmps[i])
			errs = append(errs, fmt.Errorf("write %s: %w", f.path, err))
		}
	}
	return errors.Join(errs...)
}
