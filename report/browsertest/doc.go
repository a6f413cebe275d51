// Package browsertest is test support: it opens a kvmfit HTML report in
// headless Chromium and checks that it works offline.
//
// It is imported only by tests (report's own and the end-to-end test of
// cmd/kvmfit); no program links it. It drives the browser with chromedp.
//
// Check opens the report from a file:// URL with the network cut off: every
// request other than the report itself is failed and recorded. It collects
// console errors, uncaught exceptions and browser log errors (a CSP
// violation is one), scrolls every chart container into view (the report
// initialises a chart only when it comes near the viewport), waits for the
// charts, verifies that every chart
// container (an element with class "chart") holds an ECharts instance with
// at least one series that painted its canvas, opens a tooltip on every
// chart, and reads the XSS canary: hostile test data tries to set
// window.__pwned, which must stay undefined.
//
// Eval opens a report in the same browser setup and returns the value of a
// script, for tests of the page's behaviour (sorting a table, for one).
//
// Without a Chromium binary Check and Eval skip the test, unless the
// environment variable CI is set, in which case they fail it: CI must
// install chromium.
package browsertest
