// The questionnaire editor: a button that lays the JSON out again, and the cursor put on the
// line of a syntax error the server found. Without scripts the textarea works as it is.
(function () {
  "use strict";

  function offsetOf(text, line, column) {
    var lines = text.split("\n");
    var offset = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
    return offset + Math.max(column - 1, 0);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var editor = document.querySelector(".survey-json");
    if (!editor) return;
    var format = document.getElementById("format-json");
    if (format) {
      format.hidden = false;
      format.addEventListener("click", function () {
        try {
          editor.value = JSON.stringify(JSON.parse(editor.value), null, 2);
        } catch (e) {
          editor.focus();  // not JSON yet: saving says where it is wrong
        }
      });
    }
    var line = parseInt(editor.dataset.errorLine || "", 10);
    if (!isNaN(line)) {
      var at = offsetOf(editor.value, line, parseInt(editor.dataset.errorColumn || "1", 10));
      editor.focus();
      editor.setSelectionRange(at, at + 1);
      // scroll the textarea so the line is visible
      var height = parseFloat(getComputedStyle(editor).lineHeight) || 16;
      editor.scrollTop = Math.max((line - 5) * height, 0);
    }
  });
})();
