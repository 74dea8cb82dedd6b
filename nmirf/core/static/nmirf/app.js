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
