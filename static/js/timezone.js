// Remember the browser's time zone in a cookie, so pages can show session times in it.
// Signed-in users who chose a zone in their profile keep that one.
(() => {
  let zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone || !/^[A-Za-z0-9_+\-/]{1,64}$/.test(zone)) {
    return;
  }
  const stored = document.cookie.split("; ").find((part) => part.startsWith("tz="));
  if (stored && stored.slice(3) === zone) {
    return;
  }
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `tz=${zone}; path=/; max-age=31536000; SameSite=Lax${secure}`;
  const marker = document.querySelector("[data-viewer-tz]");
  if (marker && marker.dataset.viewerTzSource !== "profile" && marker.dataset.viewerTz !== zone) {
    // First visit: show the times in the guessed zone right away (once; the cookie stops loops).
    window.location.reload();
  }
})();
