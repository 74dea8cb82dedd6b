/* OpenNMIRF's own script. The Content-Security-Policy (settings.py) allows no inline script,
   no inline style attribute and no eval, so what pages need beyond Bootstrap and htmx is
   here, bound by element ids and data attributes. */

/* After htmx swaps in new list results, move keyboard and screen-reader focus to their
   heading when the element that had it (a facet link, a page link) was replaced; focus
   left in the search form stays where it is. */
document.addEventListener("htmx:afterSettle", function (event) {
  var target = event.detail && event.detail.target;
  if (!target || target.id !== "results") { return; }
  var active = document.activeElement;
  if (active && active !== document.body && document.contains(active)) { return; }
  var heading = document.getElementById("results-heading");
  if (heading) { heading.focus(); }
});

/* Choosing another order sends the search form (htmx takes the submit). Delegated, since
   the select is replaced with each page of results. */
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field && field.name === "sort" && field.form && field.form.id === "filter-form") {
    if (field.form.requestSubmit) { field.form.requestSubmit(); } else { field.form.submit(); }
  }
});

/* Progress bars carry their width as data-percent: a style="" attribute would need the
   policy's 'unsafe-inline'. Setting element.style from a script is allowed. */
function nmirfSetProgress(root) {
  var bars = (root || document).querySelectorAll(".progress-bar[data-percent]");
  for (var i = 0; i < bars.length; i++) {
    var percent = Math.max(0, Math.min(100, parseFloat(bars[i].getAttribute("data-percent")) || 0));
    bars[i].style.width = percent + "%";
  }
}
document.addEventListener("DOMContentLoaded", function () { nmirfSetProgress(document); });
document.addEventListener("htmx:afterSettle", function (event) {
  nmirfSetProgress(document);
});

/* The box of a facet shown in full narrows its values as one types: case, accents and
   Arabic vowel marks aside (NFD, then no combining marks), so "egy" finds "Égypte" and
   "مصر" is found however it is written. Delegated: facets arrive with htmx. */
function nmirfFold(text) {
  return (text || "").normalize("NFD").replace(/\p{M}/gu, "")
    .replace(/\u0649/g, "\u064a").replace(/\u0629/g, "\u0647").toLowerCase().trim();
}
document.addEventListener("input", function (event) {
  var box = event.target;
  if (!box || !box.getAttribute || !box.getAttribute("data-facet-filter")) { return; }
  var list = document.getElementById(box.getAttribute("data-facet-filter"));
  if (!list) { return; }
  var wanted = nmirfFold(box.value);
  var items = list.children;
  var shown = 0;
  for (var i = 0; i < items.length; i++) {
    var label = items[i].querySelector("bdi") || items[i];
    var match = !wanted || nmirfFold(label.textContent).indexOf(wanted) !== -1;
    items[i].hidden = !match;
    if (match) { shown++; }
  }
  var status = document.getElementById(box.getAttribute("data-facet-status"));
  if (status) { status.textContent = (status.getAttribute("data-label") || "") + " " + shown; }
});

/* The phone's filter panel (an offcanvas) is inside the results htmx replaces: close it
   before they are swapped, so that Bootstrap removes its backdrop and gives the page its
   scrolling back, and the reader sees the new results. */
document.addEventListener("htmx:beforeSwap", function (event) {
  var target = event.detail && event.detail.target;
  if (!target || target.id !== "results" || !window.bootstrap) { return; }
  var panel = document.getElementById("filters-panel");
  var open = panel && window.bootstrap.Offcanvas.getInstance(panel);
  if (open && panel.classList.contains("show")) { open.hide(); }
});
