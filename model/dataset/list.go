package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// IsServerDir reports whether dir holds an inventory.json.
func IsServerDir(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, InventoryFile))
	return err == nil && st.Mode().IsRegular()
}

// ServerDirs lists the server directories of a dataset in name order, so a
// caller can read one server at a time. A directory that is itself a server
// directory is returned alone.
func ServerDirs(dir string) ([]string, error) {
	if IsServerDir(dir) {
		return []string{dir}, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if sub := filepath.Join(dir, e.Name()); IsServerDir(sub) {
			out = append(out, sub)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w: no server directory with %s", dir, ErrNotDataset, InventoryFile)
	}
	return out, nil
}
