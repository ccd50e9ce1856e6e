// Article page: the claims' passages in the text (<mark class="claim-span" data-claim>,
// web/presenters/articles.claim_spans). A click on one opens its claim (links inside the
// text would change its text content). For the keyboard and screen readers each passage
// is a link: one Tab stop (the first piece of a passage split by overlapping highlights),
// named by its words, opened with Enter. Its verdict (from the list of the article's
// claims below the text, li[data-claim][data-verdict]) becomes a class: a passage in
// conflict with another source is marked by more than colour (a double underline and a
// "≠" before it, whose alternative text "conflict" is part of the link's name: style.css),
// and its title says so.
(() => {
  const text = document.getElementById("article-text");
  if (!text) return;
  const verdicts = new Map();
  document.querySelectorAll(".article-claims li[data-claim][data-verdict]").forEach((li) => {
    verdicts.set(li.dataset.claim, [li.dataset.verdict, li.dataset.verdictText || li.dataset.verdict]);
  });
  const first = new Set();
  text.querySelectorAll("mark.claim-span[data-claim]").forEach((mark) => {
    const id = mark.dataset.claim;
    const [verdict, words] = verdicts.get(id) || [];
    if (verdict) {
      mark.classList.add("verdict-" + verdict);
      mark.dataset.verdict = verdict;
    }
    if (first.has(id)) return;
    first.add(id);
    mark.classList.add("claim-start");
    mark.tabIndex = 0;
    mark.setAttribute("role", "link");
    if (verdict === "conflict") {
      // the server marks it so already (web/presenters/articles.claim_spans)
      if (!mark.title.endsWith("in conflict with another source")) {
        mark.title = (mark.title ? mark.title + " — " : "") + "in conflict with another source";
      }
    } else if (verdict) {
      mark.title = (mark.title ? mark.title + " — " : "") + words;
    }
  });
  // a focusable element under the mouse would stop a selection starting in it (Chromium):
  // the passages leave the Tab order while a mouse button is down
  const focusable = () => text.querySelectorAll("mark.claim-span.claim-start");
  text.addEventListener("mousedown", (event) => {
    if (event.button !== 0 || !event.target.closest("mark.claim-span")) return;
    focusable().forEach((mark) => mark.removeAttribute("tabindex"));
    document.addEventListener("mouseup", () => {
      focusable().forEach((mark) => { mark.tabIndex = 0; });
    }, {once: true});
  });
  const open = (mark) => {
    window.location.href = "/claims/" + encodeURIComponent(mark.dataset.claim);
  };
  document.addEventListener("click", (event) => {
    const mark = event.target.closest("mark.claim-span[data-claim]");
    if (mark && !window.getSelection().toString()) open(mark);
  });
  text.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const mark = event.target.closest && event.target.closest("mark.claim-span[data-claim]");
    if (mark) {
      event.preventDefault();
      open(mark);
    }
  });
})();

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
