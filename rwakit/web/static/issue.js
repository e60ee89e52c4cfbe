// Load a chosen CSV file's text into the rows box (the form posts the text; nothing is uploaded as a file).
"use strict";
(function () {
  const file = document.getElementById("csv-file");
  const rows = document.getElementById("csv");
  file.addEventListener("change", async () => {
    if (file.files.length) rows.value = await file.files[0].text();
  });
})();
