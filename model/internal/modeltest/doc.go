// Package modeltest holds what the tests of model and of its sub-packages
// (dataset, profile) share: synthetic samples on a UTC grid from a fixed
// midnight, a series of them, and float comparisons that treat two NaNs
// as equal. It is imported by tests only.
package modeltest
