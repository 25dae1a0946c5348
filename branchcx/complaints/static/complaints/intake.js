// Intake form: a suggestion is applied only when the member of staff clicks "Use".
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-use-field]");
  if (!button) return;
  var select = document.getElementById("id_" + button.dataset.useField);
  if (!select) return;
  select.value = button.dataset.useValue;
  select.dispatchEvent(new Event("change", { bubbles: true }));
  button.classList.remove("btn-outline-primary");
  button.classList.add("btn-success");
  button.setAttribute("aria-pressed", "true");
});
