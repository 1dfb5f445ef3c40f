// Live progress of an input pack: polls the JSON status view and updates the bar.
// Without JavaScript the page shows the status it was rendered with and a refresh link.
(function () {
  const box = document.getElementById("pack-status");
  if (!box) return;
  const url = box.dataset.statusUrl;
  const bar = document.getElementById("pack-progress");
  const percent = box.querySelector("[data-pack-progress]");
  const stage = box.querySelector("[data-pack-stage]");
  const badge = box.querySelector("[data-pack-badge]");
  let delay = 1000;

  function show(data) {
    if (bar) bar.value = data.progress;
    if (percent) percent.textContent = String(data.progress);
    if (stage) stage.textContent = data.stage || "—";
    if (badge) {
      badge.textContent = data.status_display;
      badge.className = "badge badge-" + data.status;
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => {
        show(data);
        if (data.status === "done" || data.status === "failed") {
          // The server renders the download link or the retry button.
          window.setTimeout(() => window.location.reload(), 400);
          return;
        }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(() => {
        delay = Math.min(delay * 2, 15000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
