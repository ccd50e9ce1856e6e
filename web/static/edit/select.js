// Add a claim from selected article text (templates/edit/_add_claim.html).
//
// The element #article-text holds the stored text exactly, with data-article="<article
// id>". A selection in it becomes W3C Web Annotation selectors (TextQuoteSelector and
// TextPositionSelector, in code points): static/selection.js, which the template loads
// first, computes them. The server checks them against the stored text again before
// writing anything.
(function () {
  "use strict";
  // the selection → selectors code is shared with the "Annotate" action: ../selection.js
  var selectors = function (root) { return window.claimkbSelectors(root); };

  function init() {
    var root = document.getElementById("article-text");
    var section = document.getElementById("add-claim");
    var form = document.getElementById("add-claim-form");
    var button = document.getElementById("add-claim-button");
    if (!root || !section || !form) return;
    var article = root.getAttribute("data-article");
    if (article) {
      var base = "/articles/" + encodeURIComponent(article);
      form.setAttribute("action", base + "/claims");
      var link = document.getElementById("add-claim-link");
      if (link) link.setAttribute("href", base + "/claims/new");
    }
    var pending = null;

    function fill(sel) {
      window.claimkbSelectors.fillQuote(form, sel);
      section.hidden = false;
      if (button) button.hidden = true;
      var first = form.elements.subject;
      if (first) first.focus({preventScroll: true});
      section.scrollIntoView({block: "nearest", behavior: "smooth"});
    }

    function onSelect() {
      pending = selectors(root);
      if (!button) { if (pending) fill(pending); return; }
      if (!pending) { button.hidden = true; return; }
      var rect = window.getSelection().getRangeAt(0).getBoundingClientRect();
      button.style.top = (window.scrollY + rect.bottom + 6) + "px";
      button.style.left = (window.scrollX + rect.left) + "px";
      button.hidden = false;
    }

    root.addEventListener("mouseup", function () { window.setTimeout(onSelect, 0); });
    root.addEventListener("keyup", function (event) {
      if (event.shiftKey || event.key === "Shift") onSelect();
    });
    if (button) {
      // mousedown would clear the selection before click fires
      button.addEventListener("mousedown", function (event) { event.preventDefault(); });
      button.addEventListener("click", function () { if (pending) fill(pending); });
    }
    // typing another quote by hand: the server locates it again
    form.elements.quote.addEventListener("input", function () {
      form.elements.start.value = "";
      form.elements.end.value = "";
      form.elements.quote_prefix.value = "";
      form.elements.quote_suffix.value = "";
      var context = form.querySelector('[data-role="context"]');
      if (context) context.textContent = "";
    });
    var cancel = form.querySelector('[data-role="cancel"]');
    if (cancel) cancel.addEventListener("click", function () { section.hidden = true; });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
