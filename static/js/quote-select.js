// Quoting: a passage selected inside one of the texts ([data-quote-source]) fills the quote
// form's passage field and picks the text it came from. Without this script the passage is
// pasted by hand; the server checks it is part of the chosen text either way.
(() => {
  const start = () => {
    const form = document.querySelector("[data-quote-form]");
    const passage = form && form.querySelector("[data-quote-passage]");
    if (!passage) {
      return;
    }
    const sourceOf = (node) => {
      const element = node && (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement);
      return element ? element.closest("[data-quote-source]") : null;
    };
    const capture = () => {
      const selection = window.getSelection();
      if (!selection || selection.isCollapsed) {
        return;
      }
      const source = sourceOf(selection.anchorNode);
      if (!source || source !== sourceOf(selection.focusNode)) {
        return;
      }
      const text = selection.toString().trim();
      if (!text) {
        return;
      }
      passage.value = text;
      const radio = form.querySelector(
        `input[name="source"][value="${source.dataset.quoteSource}"]`,
      );
      if (radio) {
        radio.checked = true;
      }
      passage.dispatchEvent(new Event("input", { bubbles: true }));
    };
    document.addEventListener("mouseup", capture);
    document.addEventListener("keyup", (event) => {
      if (event.shiftKey || event.key === "Shift") {
        capture();
      }
    });
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
