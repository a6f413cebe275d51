// Package datasettest writes small datasets for tests in one call (the
// servers, their inventories and their samples, in the on-disk format of
// package dataset), and reads a dataset's files back byte for byte. It is imported by tests only: those of model's packages
// and of cmd/kvmfit, which cannot import model's internal test helpers.
package datasettest
