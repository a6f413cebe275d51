package report

import "sync"

// tablePageSize is how many rows of the server table show at once.
const tablePageSize = 100

// tableJS is the page's third script: it makes the server table
// (#server-table) sortable, filterable and paginated, so that a fleet of
// thousands of servers stays usable. It is a constant, so its CSP hash is
// too.
//
// It only moves and hides the rows html/template wrote and sets text with
// textContent: no data ever goes through innerHTML. Listeners are attached
// here, since the CSP forbids inline event handler attributes. Without
// script every row shows, unsorted.
//
//   - Click a header to sort by it (again to reverse). A cell's data-sort
//     attribute, when present, is its sort key instead of its text.
//     Columns whose header has class "n" sort as numbers ("—" and other
//     non-numbers last),
//     the others as text; ties keep the page's order. Sorting shows the
//     first page.
//   - The filter box keeps the rows whose text contains every word typed,
//     ignoring case.
//   - A link to a server's row (#server-0042) shows the page that holds it,
//     clearing the filter if it hides the row.
const tableJS = `"use strict";
(function () {
  var table = document.getElementById("server-table");
  var tools = document.getElementById("server-tools");
  if (!table || !tools || !table.tBodies.length || !table.tHead) { return; }
  var size = parseInt(table.getAttribute("data-page-size"), 10) || 100;
  var tbody = table.tBodies[0];
  var all = Array.prototype.slice.call(tbody.rows);
  var text = all.map(function (r) { return r.textContent.toLowerCase(); });
  var order = all.map(function (r, i) { return i; });
  var shown = order.slice();
  var page = 0;
  var sortCol = -1;
  var sortDir = 1;
  var filter = document.getElementById("server-filter");
  var count = document.getElementById("server-count");
  var prev = document.getElementById("server-prev");
  var next = document.getElementById("server-next");
  var info = document.getElementById("server-page");
  var heads = table.tHead.rows[0].cells;

  function key(i, col, numeric) {
    var cell = all[i].cells[col];
    var s = !cell ? "" : cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    if (!numeric) { return s.toLowerCase(); }
    var v = parseFloat(s.replace(/,/g, ""));
    return isNaN(v) ? null : v;
  }
  function sortBy(col) {
    sortDir = col === sortCol ? -sortDir : 1;
    sortCol = col;
    var numeric = heads[col].classList.contains("n");
    var keys = {};
    for (var i = 0; i < all.length; i++) { keys[i] = key(i, col, numeric); }
    order.sort(function (a, b) {
      var x = keys[a], y = keys[b];
      if (x === y) { return a - b; }
      if (x === null) { return 1; }
      if (y === null) { return -1; }
      return (x < y ? -1 : 1) * sortDir;
    });
    var frag = document.createDocumentFragment();
    for (var j = 0; j < order.length; j++) { frag.appendChild(all[order[j]]); }
    tbody.appendChild(frag);
    for (var h = 0; h < heads.length; h++) {
      if (h === col) {
        heads[h].setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
      } else {
        heads[h].removeAttribute("aria-sort");
      }
    }
    refilter(true);
  }
  function refilter(resetPage) {
    var words = filter.value.toLowerCase().split(/\s+/).filter(function (w) { return w !== ""; });
    shown = order.filter(function (i) {
      for (var k = 0; k < words.length; k++) {
        if (text[i].indexOf(words[k]) < 0) { return false; }
      }
      return true;
    });
    if (resetPage) { page = 0; }
    render();
  }
  function pages() { return Math.max(1, Math.ceil(shown.length / size)); }
  function render() {
    page = Math.min(Math.max(page, 0), pages() - 1);
    var from = page * size, to = from + size;
    var visible = {};
    for (var k = from; k < to && k < shown.length; k++) { visible[shown[k]] = true; }
    for (var i = 0; i < all.length; i++) { all[i].hidden = !visible[i]; }
    count.textContent = shown.length === all.length ?
      all.length + " servers" : shown.length + " of " + all.length + " servers match";
    info.textContent = "page " + (page + 1) + " of " + pages();
    prev.disabled = page === 0;
    next.disabled = page >= pages() - 1;
  }
  function reveal(id) {
    var i = -1;
    for (var k = 0; k < all.length; k++) { if (all[k].id === id) { i = k; break; } }
    if (i < 0) { return; }
    var at = shown.indexOf(i);
    if (at < 0) {
      filter.value = "";
      refilter(false);
      at = shown.indexOf(i);
    }
    page = Math.floor(at / size);
    render();
  }

  for (var h = 0; h < heads.length; h++) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "sort";
    b.title = "sort by this column";
    while (heads[h].firstChild) { b.appendChild(heads[h].firstChild); }
    heads[h].appendChild(b);
    b.addEventListener("click", sortBy.bind(null, h));
  }
  var timer = 0;
  filter.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { refilter(true); }, all.length > 1000 ? 120 : 0);
  });
  prev.addEventListener("click", function () { page--; render(); });
  next.addEventListener("click", function () { page++; render(); });
  document.addEventListener("click", function (e) {
    var a = e.target && e.target.closest ? e.target.closest("a[href^='#server-']") : null;
    if (a) { reveal(a.getAttribute("href").slice(1)); }
  });
  window.addEventListener("hashchange", function () { reveal(location.hash.slice(1)); });
  tools.hidden = false;
  render();
  if (location.hash) { reveal(location.hash.slice(1)); }
})();
`

// tableHash is the CSP hash source of tableJS.
var tableHash = sync.OnceValue(func() string { return cspHash(tableJS) })
