// The templates list: deactivating asks first; learning a blank says it takes a while.
"use strict";
(function () {
  document.querySelectorAll("form.confirm").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  var learn = document.getElementById("learn");
  if (learn) {
    learn.addEventListener("submit", function () {
      var button = document.getElementById("learn-send");
      button.disabled = true;
      button.textContent = "Läser in blanketten …";
    });
  }
})();
