// A job's progress bar (template admin/jobs/progress.html, for imports and exports): polls the
// job's JSON view (data-progress-url) twice a second, shows rows and percentage, and reloads the
// page when the job's status changes (the next step, the preview, the result or the failure is
// then rendered by the server). Plain JavaScript, no framework.
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box) {
    return;
  }
  var bar = box.querySelector(".progress-bar");
  var meter = box.querySelector(".progress");
  var rows = box.querySelector(".job-progress-rows");
  var status = document.querySelector(".job-status");
  var shownStatus = box.dataset.status;
  var number = new Intl.NumberFormat("en-US");

  function show(job) {
    if (status) {
      status.textContent = job.status_label;
    }
    if (job.percent === null) {
      bar.style.width = "100%";
      bar.textContent = "";
      rows.textContent = number.format(job.rows_done) + " rows";
    } else {
      bar.style.width = job.percent + "%";
      bar.textContent = job.percent + "%";
      meter.setAttribute("aria-valuenow", String(job.percent));
      rows.textContent = number.format(job.rows_done) + " of " + number.format(job.rows_total) + " rows";
    }
  }

  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (job) {
        if (job) {
          show(job);
          if (job.finished || job.status !== shownStatus) {
            window.location.reload();
            return;
          }
        }
        window.setTimeout(poll, 500);
      })
      .catch(function () {
        window.setTimeout(poll, 2000); // a network hiccup: try again
      });
  }

  window.setTimeout(poll, 500);
})();
