// Survey pages: show a question only when its condition on an earlier answer holds (the
// server applies the same rule, so without scripts every question is simply shown), and add
// up the importance points as they are typed.
(function () {
  "use strict";

  function answerOf(form, key) {
    var name = "q-" + key;
    var values = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) return;
      if (input.value !== "") values.push(input.value);
    });
    return values;
  }

  function holds(op, wanted, given) {
    if (!given.length) return false;
    var number = parseInt(given[0], 10);
    switch (op) {
      case "eq": return given.indexOf(wanted[0]) !== -1;
      case "ne": return given.indexOf(wanted[0]) === -1;
      case "in": return given.some(function (v) { return wanted.indexOf(v) !== -1; });
      case "not_in": return given.every(function (v) { return wanted.indexOf(v) === -1; });
      case "lte": return !isNaN(number) && number <= parseInt(wanted[0], 10);
      case "gte": return !isNaN(number) && number >= parseInt(wanted[0], 10);
    }
    return true;
  }

  function refresh(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (question) {
      var given = answerOf(form, question.dataset.showIf);
      var own = form.querySelector('[name^="q-' + question.dataset.showIf + '"]');
      if (!own) return; // the condition is on an earlier page: the server decided already
      question.hidden = !holds(question.dataset.op, question.dataset.values.split("|"), given);
    });
    form.querySelectorAll(".survey-importance").forEach(function (box) {
      var sum = 0;
      box.querySelectorAll("input").forEach(function (input) {
        var n = parseInt(input.value, 10);
        if (!isNaN(n)) sum += n;
      });
      var shown = box.querySelector(".survey-importance-sum");
      shown.textContent = String(sum);
      shown.classList.toggle("text-danger", sum !== 100);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("survey-form");
    if (!form) return;
    form.addEventListener("change", function () { refresh(form); });
    form.addEventListener("input", function () { refresh(form); });
    refresh(form);
  });
})();
