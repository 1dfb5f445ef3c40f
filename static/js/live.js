// The live page and the live desk. Polls the small state view (it answers 304 while nothing
// changed), swaps the parts the server rendered, ticks the speaker's timer, and announces
// changes to screen readers in a polite live region. Without JavaScript the pages refresh
// themselves (<noscript> refresh) and every action is an ordinary form.
(function () {
  "use strict";
  const root = document.querySelector("[data-live-page]");
  if (!root) return;

  const url = root.dataset.stateUrl;
  const interval = Math.max(parseInt(root.dataset.pollMs, 10) || 1000, 250);
  const announcer = document.getElementById("live-announcer");
  const connection = root.querySelector("[data-live-connection]");
  const STOP = new Error("stop");
  const token = root.dataset.liveToken || "";
  const said = { speaker: root.dataset.saySpeaker || "", mine: root.dataset.sayMine || "" };
  let etag = root.dataset.version || "";
  let offset = (parseInt(root.dataset.serverNow, 10) || Date.now()) - Date.now();
  let failures = 0;
  let pending = null;
  let inFlight = false;
  let warned = "";

  function announce(text) {
    if (!announcer || !text) return;
    announcer.textContent = "";
    window.setTimeout(() => {
      announcer.textContent = text;
    }, 50);
  }

  function showConnection(lost) {
    if (!connection) return;
    connection.textContent = lost ? root.dataset.msgOffline || "" : "";
    connection.hidden = !lost;
  }

  // Replace a region with its new HTML, keeping keyboard focus and open disclosures.
  function swap(name, html) {
    const region = root.querySelector('[data-live-region="' + name + '"]');
    if (!region || typeof html !== "string") return;
    const active = document.activeElement;
    const focusId = active && region.contains(active) ? active.id : "";
    const open = Array.from(region.querySelectorAll("details[open][id]")).map((d) => d.id);
    region.innerHTML = html;
    open.forEach((id) => {
      const details = document.getElementById(id);
      if (details) details.open = true;
    });
    if (focusId) {
      const again = document.getElementById(focusId);
      if (again) again.focus();
    }
  }

  function clock(seconds) {
    const total = Math.max(0, Math.floor(seconds));
    const minutes = Math.floor(total / 60);
    return minutes + ":" + String(total % 60).padStart(2, "0");
  }

  function tick() {
    const timer = root.querySelector("[data-timer]");
    if (!timer) return;
    const started = parseInt(timer.dataset.started, 10);
    if (!started) return;
    const limit = parseInt(timer.dataset.limit, 10) || 0;
    const elapsed = (Date.now() + offset - started) / 1000;
    const over = limit > 0 && elapsed >= limit;
    const soon = limit > 0 && !over && limit - elapsed <= 30;
    timer.classList.toggle("timer-over", over);
    timer.classList.toggle("timer-soon", soon);
    const text = timer.querySelector("[data-timer-text]");
    if (text) {
      text.textContent =
        clock(elapsed) + " / " + clock(limit) + (over ? " · " + (root.dataset.msgTimeUp || "") : "");
    }
    const bar = root.querySelector("[data-timer-bar]");
    if (bar) {
      bar.hidden = false;
      bar.value = Math.min(elapsed, limit);
    }
    // Announce "30 seconds left" and "time is up" once per speaker, not on every tick;
    // a page opened late does not announce what already passed.
    const stage = over ? "over" : soon ? "soon" : "running";
    const key = started + ":" + stage;
    if (warned.split(":")[0] !== String(started)) {
      warned = key;
      return;
    }
    if (warned !== key && stage !== "running") {
      warned = key;
      announce(over ? root.dataset.msgOver : root.dataset.msgSoon);
    }
  }

  // Places in the queue come with the shared state: the registrant's own part shows theirs.
  function place(places) {
    if (!places) return;
    root.querySelectorAll("[data-place-for]").forEach((element) => {
      const value = places[element.dataset.placeFor];
      if (value !== undefined && element.dataset.placeSentence) {
        element.textContent = element.dataset.placeSentence.replace("{place}", String(value));
      }
    });
  }

  function mySentence() {
    const mine = root.querySelectorAll('[data-live-region="mine"] .live-you');
    return Array.from(mine, (element) => element.textContent.trim()).join(" ");
  }

  function apply(data) {
    etag = data.version || etag;
    if (data.now) offset = data.now - Date.now();
    if (data.state && data.state !== root.dataset.state) {
      // The frame of the page changes (live, ended): let the server draw it again.
      window.location.reload();
      return;
    }
    swap("shared", data.shared);
    swap("mine", data.mine);
    swap("desk", data.desk);
    place(data.places);
    const say = Object.assign({}, data.say || {});
    if (root.dataset.livePage === "participant") say.mine = mySentence();
    const changes = [];
    Object.keys(said).forEach((key) => {
      if (typeof say[key] === "string" && say[key] !== said[key]) {
        said[key] = say[key];
        if (say[key]) changes.push(say[key]);
      }
    });
    if (changes.length) announce(changes.join(" "));
    tick();
  }

  function schedule(delay) {
    window.clearTimeout(pending);
    pending = window.setTimeout(poll, delay);
  }

  function poll() {
    if (inFlight) return;
    inFlight = true;
    const headers = { Accept: "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    if (token) headers["X-Live-Token"] = token;
    fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then((response) => {
        if (response.status === 304) return null;
        if (response.redirected || response.status === 403 || response.status === 404) {
          window.location.reload();
          throw STOP;
        }
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then((data) => {
        inFlight = false;
        failures = 0;
        showConnection(false);
        if (data) apply(data);
        schedule(document.hidden ? Math.max(interval, 5000) : interval);
      })
      .catch((error) => {
        inFlight = false;
        if (error === STOP) return;
        failures += 1;
        if (failures >= 3) showConnection(true);
        schedule(Math.min(interval * Math.pow(2, failures), 15000));
      });
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) schedule(0);
  });
  window.setInterval(tick, 500);
  tick();
  schedule(interval);
})();
