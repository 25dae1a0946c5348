// The decision letter's print button (a script file: the CSP allows no inline handlers).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("print-letter");
  if (button) button.addEventListener("click", () => window.print());
});
