/* OpenNMIRF: after htmx swaps in new list results, move keyboard and screen-reader focus
   to their heading when the element that had it (a facet link, a page link) was replaced;
   focus left in the search form stays where it is. */
document.addEventListener("htmx:afterSettle", function (event) {
  var target = event.detail && event.detail.target;
  if (!target || target.id !== "results") { return; }
  var active = document.activeElement;
  if (active && active !== document.body && document.contains(active)) { return; }
  var heading = document.getElementById("results-heading");
  if (heading) { heading.focus(); }
});
