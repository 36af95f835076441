// Reload while the batch is being read, so progress shows page by page.
(function () {
  const state = document.getElementById("batch-state");
  if (!state || state.dataset.done === "true") return;
  setTimeout(() => window.location.reload(), 1500);
})();
