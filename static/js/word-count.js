// Live word count for textareas carrying data-word-limit. The server enforces the limit;
// this only tells the writer where they stand while typing.
(() => {
  const countWords = (text) => {
    const trimmed = text.trim();
    return trimmed === "" ? 0 : trimmed.split(/\s+/u).length;
  };

  const attach = (textarea) => {
    const limit = Number.parseInt(textarea.dataset.wordLimit, 10);
    const output = document.getElementById(textarea.dataset.wordCountOutput);
    if (!output || Number.isNaN(limit)) {
      return;
    }
    const template = output.dataset.template || "{count} / {limit}";
    const update = () => {
      const count = countWords(textarea.value);
      output.textContent = template.replace("{count}", String(count)).replace("{limit}", String(limit));
      output.classList.toggle("over", count > limit);
    };
    textarea.addEventListener("input", update);
    update();
  };

  const start = () => document.querySelectorAll("textarea[data-word-limit]").forEach(attach);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
