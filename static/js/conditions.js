// Follow-up questions appear and disappear as soon as an answer changes. Without this
// script the server decides after each save; the rules are the same (assessments/conditions.py).
(function () {
  "use strict";
  var form = document.querySelector("form.app-questionnaire");
  if (!form) return;
  var elsewhere = JSON.parse(form.getAttribute("data-answers") || "{}");

  function valueOf(id) {
    var fields = form.querySelectorAll('[name="q-' + CSS.escape(id) + '"]');
    if (!fields.length) return undefined;
    var first = fields[0];
    if (first.type === "checkbox" && fields.length > 1) {
      return Array.prototype.filter.call(fields, function (f) { return f.checked; })
        .map(function (f) { return f.value; });
    }
    if (first.type === "radio") {
      var chosen = Array.prototype.find.call(fields, function (f) { return f.checked; });
      return chosen ? chosen.value : "";
    }
    if (first.type === "checkbox") return first.checked;
    return first.value;
  }

  function asList(value) {
    if (value === undefined || value === null || value === "") return [];
    return Array.isArray(value) ? value : [value];
  }

  function holds(condition, answers) {
    if (!condition) return true;
    if (condition.all_of) return condition.all_of.every(function (c) { return holds(c, answers); });
    if (condition.any_of) return condition.any_of.some(function (c) { return holds(c, answers); });
    var answer = answers[condition.question];
    var given = asList(answer);
    var expected = condition.value;
    switch (condition.operator) {
      case "equals": return answer === expected;
      case "contains": return given.indexOf(expected) !== -1;
      case "any": return asList(expected).some(function (v) { return given.indexOf(v) !== -1; });
      case "all": return asList(expected).every(function (v) { return given.indexOf(v) !== -1; });
      default: return true;
    }
  }

  function update() {
    // Like the server: a hidden question's answer does not count for later conditions.
    var visible = Object.assign({}, elsewhere);
    form.querySelectorAll(".app-question[data-question]").forEach(function (block) {
      var condition = block.getAttribute("data-show-if");
      var shown = holds(condition ? JSON.parse(condition) : null, visible);
      block.hidden = !shown;
      if (shown) {
        var value = valueOf(block.getAttribute("data-question"));
        if (value !== undefined) visible[block.getAttribute("data-question")] = value;
      }
    });
  }

  form.addEventListener("change", update);
  update();
})();
