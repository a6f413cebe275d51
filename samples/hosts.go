package samples

import _ "embed"

// HostsYAML is samples/hosts.yaml, the bundled catalog of candidate KVM host
// models (model.Catalog; parse it with model.ParseCatalog). The file's
// comments give the unit of every field and where each figure comes from.
//
//go:embed hosts.yaml
var HostsYAML []byte
