package report

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"strings"
	"sync"
)

// echartsMinJS is Apache ECharts as vendored, byte for byte. See
// assets/VERSIONS for its version, origin and checksum.
//
//go:embed assets/echarts.min.js
var echartsMinJS string

// echartsVersion is the version of the embedded echarts.min.js.
const echartsVersion = "5.4.3"

// echartsNotice is the NOTICE of Apache ECharts, shown in the page footer.
//
//go:embed assets/NOTICE-echarts
var echartsNotice string

// inlineScript returns s as it must be written inside <script>: with line
// ends normalised to "\n". An HTML parser does that to the page before it
// hashes an inline script for the Content-Security-Policy, and the license
// header of echarts.min.js has CRLF line ends.
func inlineScript(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// echartsInline is the inlined ECharts and its CSP hash source, computed once.
var echartsInline = sync.OnceValues(func() (js, hash string) {
	js = inlineScript(echartsMinJS)
	return js, cspHash(js)
})

// cspHash returns the Content-Security-Policy hash source ('sha256-…') of an
// inline script whose text is s.
func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}
