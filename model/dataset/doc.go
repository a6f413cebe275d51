// Package dataset is kvmfit's on-disk dataset format (docs/format.md): a
// directory of server directories, each holding inventory.json and its
// samples: samples.parquet from an importer or the generator (Writer),
// samples-YYYY-MM-DD.csv and their gzipped closed days from the collector,
// samples.csv written by hand or by an older kvmfit.
//
// Reading: ReadServer reads one server (ReadInventory is the one place
// inventory.json is decoded), Read a whole dataset, ServerDirs lists the
// server directories so that a caller can read one server at a time, and
// ReadSamples parses one samples CSV, ReadParquet one samples Parquet
// file. Writing: Create starts a dataset
// that appears whole or not at all (Writer, ServerWriter), WriteInventory
// and WriteFileAtomic replace a file atomically, HeaderLine and AppendRow
// are the samples CSV codec the collector's own store uses. The codec
// rejects what it cannot read back: a writer never leaves an unreadable
// dataset.
//
// The values themselves (model.Inventory, model.Series, model.Server) are
// defined in package model.
package dataset
