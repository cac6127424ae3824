// The review page's helpers. Each only adds to a page that works without it:
// - a comment (or reply) carries the decision form as typed, so the server keeps it as the
//   reviewer's draft and the reloaded page shows it again (without script: "Save draft");
// - a link to an answer inside a folded list of unchanged answers opens that list.
(function () {
  "use strict";

  var decision = document.getElementById("decision-form");

  // --- Folded answers: open the list a link points into ---------------------------------
  function openTarget(id) {
    var target;
    try {
      target = document.getElementById(decodeURIComponent(id));
    } catch (e) {
      return null;
    }
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    return target;
  }
  if (location.hash) {
    var first = openTarget(location.hash.slice(1));
    if (first && first.scrollIntoView) first.scrollIntoView({ block: "start" });
  }
  window.addEventListener("hashchange", function () {
    openTarget(location.hash.slice(1));
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest('a[href^="#"]') : null;
    if (link && link.getAttribute("href").length > 1) openTarget(link.getAttribute("href").slice(1));
  });

  // --- Comments keep the decision as typed ---------------------------------------------
  // Posting a comment reloads the page. The comment form takes the decision form's fields
  // along ("with-draft"), so the server keeps them as the reviewer's draft and the page
  // comes back with the decision as it was. Without script, "Save draft" does this.
  if (!decision) return;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.app-inline-form")) return;
    if (!/\/opmerkingen(\/\d+\/opgelost)?$/.test(form.getAttribute("action") || "")) return;
    var added = [];
    new FormData(decision).forEach(function (value, key) {
      if (key === "csrf_token" || form.elements[key] || typeof value !== "string") return;
      added.push([key, value]);
    });
    added.push(["with-draft", "1"]);
    added.forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      form.appendChild(input);
    });
  });
})();
