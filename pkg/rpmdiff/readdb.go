package rpmdiff

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ocl-build/ocl-build/internal/ownedtemp"

	rpmdb "github.com/anchore/go-rpmdb/pkg"
	// go-rpmdb opens sqlite through database/sql as "sqlite" but leaves
	// registering a driver to its user: this is the pure-Go one it tests with.
	_ "github.com/glebarez/go-sqlite"
)

// ErrCorrupt marks a database that exists but cannot be read.
var ErrCorrupt = errors.New("corrupt or truncated rpm database")

// mainFiles in the order preferred when one directory holds several
// (a left-over Packages next to a converted rpmdb.sqlite).
var mainFiles = []struct {
	name   string
	format Format
}{{"rpmdb.sqlite", FormatSQLite}, {"Packages.db", FormatNDB}, {"Packages", FormatBDB}}

// sidecars must travel with rpmdb.sqlite: recent transactions may live only
// in the write-ahead log.
var sidecars = []string{"rpmdb.sqlite-wal", "rpmdb.sqlite-shm"}

func isDBFileName(base string) bool {
	for _, m := range mainFiles {
		if m.name == base {
			return true
		}
	}
	return base == sidecars[0] || base == sidecars[1]
}

func formatOf(name string) Format {
	for _, m := range mainFiles {
		if m.name == name {
			return m.format
		}
	}
	return ""
}

// readDBFiles copies a database's files (name → opener) into a private temp
// directory and reads the packages from there: go-rpmdb opens sqlite with
// immutable=1, which ignores a WAL, so the copy is checkpointed first.
func readDBFiles(main string, files map[string]func() (io.ReadCloser, error)) (pkgs []Package, err error) {
	tmp, err := ownedtemp.Dir("", "rpmdb")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	for name, open := range files {
		if err := copyTo(filepath.Join(tmp, name), open); err != nil {
			return nil, err
		}
	}
	p := filepath.Join(tmp, main)
	if formatOf(main) == FormatSQLite {
		if err := checkSQLite(p); err != nil {
			return nil, err
		}
		if _, ok := files[sidecars[0]]; ok {
			if err := checkpoint(p); err != nil {
				return nil, fmt.Errorf("%w: applying the write-ahead log: %v", ErrCorrupt, err)
			}
		}
	}
	return readDBPath(p)
}

func checkSQLite(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	b := make([]byte, 16)
	if _, err := io.ReadFull(f, b); err != nil || !bytes.Equal(b, []byte("SQLite format 3\x00")) {
		return fmt.Errorf("%w: rpmdb.sqlite is not an SQLite database", ErrCorrupt)
	}
	return nil
}

func checkpoint(p string) error {
	db, err := sql.Open("sqlite", "file:"+p)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

func copyTo(dst string, open func() (io.ReadCloser, error)) error {
	r, err := open()
	if err != nil {
		return err
	}
	defer r.Close()
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readDBPath reads a database file with go-rpmdb. Malformed databases are
// errors, never panics.
func readDBPath(p string) (pkgs []Package, err error) {
	defer func() {
		if r := recover(); r != nil {
			pkgs, err = nil, fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	db, err := rpmdb.Open(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	defer db.Close()
	list, err := db.ListPackages()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	for _, pi := range list {
		p := Package{Name: pi.Name, Version: pi.Version, Release: pi.Release, Arch: pi.Arch}
		if pi.Epoch != nil {
			e := *pi.Epoch
			p.Epoch = &e
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("%w: no package headers in it", ErrCorrupt)
	}
	sortPackages(pkgs)
	return pkgs, nil
}

// readLocalDir reads the database in an rpmdb directory on disk.
func readLocalDir(dir string) (string, Format, []Package, error) {
	for _, m := range mainFiles {
		if st, err := os.Stat(filepath.Join(dir, m.name)); err == nil && st.Mode().IsRegular() {
			pkgs, err := readLocalFile(filepath.Join(dir, m.name))
			return m.name, m.format, pkgs, err
		}
	}
	return "", "", nil, ErrNoRPMDB
}

// readLocalFile reads one database file, carrying its sqlite sidecars.
func readLocalFile(p string) ([]Package, error) {
	base := filepath.Base(p)
	main := base
	if formatOf(base) == "" {
		main = sniffMain(p)
	}
	files := map[string]func() (io.ReadCloser, error){
		main: func() (io.ReadCloser, error) { return os.Open(p) },
	}
	if main == "rpmdb.sqlite" && base == main {
		for _, s := range sidecars {
			sp := filepath.Join(filepath.Dir(p), s)
			if _, err := os.Stat(sp); err == nil {
				files[s] = func() (io.ReadCloser, error) { return os.Open(sp) }
			}
		}
	}
	return readDBFiles(main, files)
}

// sniffMain names a database file by its magic when its name says nothing.
func sniffMain(p string) string {
	f, err := os.Open(p)
	if err != nil {
		return "Packages"
	}
	defer f.Close()
	b := make([]byte, 16)
	n, _ := io.ReadFull(f, b)
	switch {
	case n == 16 && bytes.Equal(b, []byte("SQLite format 3\x00")):
		return "rpmdb.sqlite"
	case n >= 4 && string(b[:4]) == "RpmP":
		return "Packages.db"
	}
	return "Packages"
}

// ErrNoRPMDB: the image holds no rpm database where rpm would look.
var ErrNoRPMDB = errors.New("no rpm database found")
