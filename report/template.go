package report

import (
	_ "embed"
	"html/template"
)

//go:embed page.html.tmpl
var pageHTML string

// pageTemplate renders a page. html/template escapes every data string for
// its context; the CSP attribute and the two scripts are trusted values built
// by this package.
var pageTemplate = template.Must(template.New("page").Parse(pageHTML))
