// The progress of a batch's background job (templates/subjects/batch_detail.html): asks the batch
// resource of the API every two seconds and updates the figures in place; once the job is done,
// the page is loaded again to show its outcome. Without JavaScript the page refreshes itself.
(function () {
  "use strict";
  var panel = document.getElementById("batch-progress");
  if (!panel) { return; }
  var url = panel.getAttribute("data-url");
  function show(progress) {
    Object.keys(progress).forEach(function (name) {
      var cell = panel.querySelector('[data-field="' + name + '"]');
      if (cell) { cell.textContent = progress[name] === null ? "—" : String(progress[name]); }
    });
    var bar = panel.querySelector("progress");
    if (bar) { bar.value = progress.percent; bar.textContent = progress.percent + "%"; }
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (batch) {
        if (!batch) { window.setTimeout(poll, 5000); return; }
        show(batch.progress);
        if (batch.progress.running) { window.setTimeout(poll, 2000); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
