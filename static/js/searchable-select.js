// Searchable multiple selects (Tom Select, served from our own static files): type to filter,
// pick several, remove one with its button or with Backspace. Without JavaScript the native
// <select multiple> still submits the same values.
(() => {
  if (typeof TomSelect === "undefined") {
    return;
  }
  document.querySelectorAll("select[data-searchable]").forEach((select) => {
    const text = (name, fallback) => select.dataset[name] || fallback;
    const control = new TomSelect(select, {
      plugins: {
        remove_button: { title: text("removeLabel", "Remove"), label: "×" },
        caret_position: {},
      },
      maxOptions: null,
      hidePlaceholder: true,
      closeAfterSelect: false,
      placeholder: text("placeholder", ""),
      render: {
        no_results: (data, escape) => `<div class="no-results">${escape(text("noResults", ""))}</div>`,
        // The × of each chosen item names what it removes, for screen readers.
        item: (data, escape) => `<div>${escape(data.text)}</div>`,
      },
      onItemAdd() {
        this.setTextboxValue("");
        this.refreshOptions(false);
      },
    });
    control.wrapper.classList.add("searchable-select");
    // The combobox now carries the label; the native select only holds the values.
    select.setAttribute("aria-hidden", "true");
    // Name each remove button after its country ("Remove Kenya").
    const label = (item) => {
      const button = item.querySelector(".remove");
      if (button) {
        button.setAttribute("aria-label", `${text("removeLabel", "Remove")} ${item.textContent.replace("×", "").trim()}`);
      }
    };
    control.control.querySelectorAll(".item").forEach(label);
    control.on("item_add", (value, item) => label(item));
  });
})();
