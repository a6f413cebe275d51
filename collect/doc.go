// Package collect gathers server samples into the dataset format: the live
// collector (kvmfit collect) and, in collect/importer, importers of existing
// recordings and public traces.
package collect
