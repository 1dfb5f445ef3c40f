// Pre-select the region of the chosen country, unless the person picked a region themselves.
(() => {
  const country = document.querySelector("select[data-region-by-country]");
  const region = document.querySelector("select[name=region]");
  if (!country || !region) {
    return;
  }
  const regionByCountry = JSON.parse(country.dataset.regionByCountry);
  let chosenByHand = region.value !== "" && region.value !== String(regionByCountry[country.value] ?? "");
  region.addEventListener("change", () => {
    chosenByHand = region.value !== "";
  });
  country.addEventListener("change", () => {
    if (!chosenByHand) {
      region.value = String(regionByCountry[country.value] ?? "");
    }
  });
})();
