//go:build !unix

package remotewrite

import "errors"

// freeBytes is not known here: the spool's cap alone bounds it.
func freeBytes(string) (int64, error) { return 0, errors.New("free space unknown") }
