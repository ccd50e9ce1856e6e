// Article page: a click on a highlighted claim span opens that claim (the spans are
// <mark> elements; links inside the text would change its text content).
document.addEventListener("click", (event) => {
  const mark = event.target.closest("mark.claim-span[data-claim]");
  if (mark && !window.getSelection().toString()) {
    window.location.href = "/claims/" + encodeURIComponent(mark.dataset.claim);
  }
});

// Suggested claims (templates/suggestions/_panel.html): a suggested sentence in the text
// (<mark class="suggest-span" id="sg-<id>">) leads to its item in the panel
// (#suggestion-<id>) on a click; for the keyboard each gets an empty link to it at its
// start (no characters: the text's offsets and selections stay as they were; the mark
// itself is not focusable, which would stop a mouse selection starting in it). The
// item's quote leads back to the sentence.
(() => {
  const item = (id) => document.getElementById("suggestion-" + id);
  const marks = (id) => document.querySelectorAll(
    'mark.suggest-span[data-suggestion="' + CSS.escape(id) + '"]');
  function flash(elements, className) {
    elements.forEach((el) => el.classList.add(className));
    window.setTimeout(() => elements.forEach((el) => el.classList.remove(className)), 1600);
  }
  function toItem(id) {
    const target = item(id);
    if (!target) return false;
    target.scrollIntoView({block: "nearest", behavior: "smooth"});
    flash([target], "flash");
    const link = target.querySelector("a.sg-quote");
    if (link) link.focus({preventScroll: true});
    return true;
  }
  document.querySelectorAll("#article-text mark.suggest-span[id]").forEach((mark) => {
    const target = item(mark.dataset.suggestion);
    if (!target) return;
    const jump = document.createElement("a");
    jump.className = "sg-jump";
    jump.href = "#" + target.id;
    jump.dataset.suggestion = mark.dataset.suggestion;
    jump.setAttribute("aria-label", (mark.title || "Suggested claim") + ": go to it in the list");
    mark.prepend(jump);
  });
  document.addEventListener("click", (event) => {
    const jump = event.target.closest("a.sg-jump[data-suggestion]");
    if (jump) {
      if (toItem(jump.dataset.suggestion)) event.preventDefault();
      return;
    }
    // a claim (or annotation) inside the sentence keeps its own click
    if (event.target.closest("mark.claim-span, mark.anno-span")) return;
    const mark = event.target.closest("mark.suggest-span[data-suggestion]");
    if (mark && !window.getSelection().toString() && toItem(mark.dataset.suggestion)) {
      event.preventDefault();
    }
  });
  document.querySelectorAll(".suggestions-panel a.sg-quote[data-suggestion]").forEach((link) => {
    link.addEventListener("click", (event) => {
      const found = Array.from(marks(link.dataset.suggestion));
      if (!found.length) return;
      event.preventDefault();
      found[0].scrollIntoView({block: "center", behavior: "smooth"});
      const jump = found[0].querySelector("a.sg-jump");
      if (jump) jump.focus({preventScroll: true});
      flash(found, "active");
      history.replaceState(null, "", "#sg-" + link.dataset.suggestion);
    });
  });
})();
