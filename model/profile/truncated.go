package profile

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kvmfit/kvmfit/model"
)

// truncatedInputs warns about the servers whose input files ended early
// (Inventory.Truncated: a truncated sa or nmon file, a sar text cut inside
// a line), in one plan warning and one InputIssue "truncated": the samples
// before each cut were kept, what came after is missing.
func (b *fleetBuilder) truncatedInputs() {
	if len(b.truncated) == 0 {
		return
	}
	ids := slices.Sorted(maps.Keys(b.truncated))
	var where []string
	for _, id := range ids {
		for _, t := range b.truncated[id] {
			where = append(where, id+" ("+t+")")
		}
	}
	if len(where) > 3 {
		where = append(where[:3], fmt.Sprintf("and %d more", len(where)-3))
	}
	msg := fmt.Sprintf("input files of %s ended early: %s; the samples before each cut were kept, the rest of those periods is missing and counts as no data",
		servers(len(ids)), strings.Join(where, "; "))
	b.f.Warnings = append(b.f.Warnings, msg)
	b.f.InputIssues = append(b.f.InputIssues, model.InputIssue{Kind: IssueTruncated, Servers: ids, Message: msg})
}
