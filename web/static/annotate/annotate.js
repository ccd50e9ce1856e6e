// Annotations on an article page (templates/annotate/_panel.html) and the compact
// section of claim and publisher pages. Everything works without this script (the
// forms post, the highlights are rendered by the server); it adds:
//  * the "Annotate" action on selected text, next to the editors' "Add a claim":
//    the selection's selectors (static/selection.js) fill the form, which opens;
//  * a click on a highlight scrolls to its card, and a click on a card's quote to
//    its highlight; hovering a card lights up its highlight;
//  * a confirmation before deleting.
(function () {
  "use strict";

  function marksOf(root, id) {
    return root ? root.querySelectorAll('mark.anno-span[data-annotation="' + CSS.escape(id) + '"]') : [];
  }

  function flash(elements, className, ms) {
    Array.prototype.forEach.call(elements, function (el) { el.classList.add(className); });
    window.setTimeout(function () {
      Array.prototype.forEach.call(elements, function (el) { el.classList.remove(className); });
    }, ms || 1600);
  }

  function initSelection(root) {
    var form = document.getElementById("annotate-form");
    var details = document.getElementById("annotate");
    var button = document.getElementById("annotate-button");
    if (!root || !form || !details || !window.claimkbSelectors) return;
    document.body.appendChild(button);  // positioned against the page, not the panel
    var pending = null;

    function fill(sel) {
      window.claimkbSelectors.fillQuote(form, sel);
      details.open = true;
      button.hidden = true;
      details.scrollIntoView({block: "nearest", behavior: "smooth"});
      form.elements.comment.focus({preventScroll: true});
    }

    function onSelect() {
      pending = window.claimkbSelectors(root);
      if (!pending) { button.hidden = true; return; }
      var rect = window.getSelection().getRangeAt(0).getBoundingClientRect();
      var left = window.scrollX + rect.left;
      // beside the editors' "Add a claim" button when it is there
      var addClaim = document.getElementById("add-claim-button");
      if (addClaim && !addClaim.hidden) {
        var box = addClaim.getBoundingClientRect();
        left = window.scrollX + box.right + 6;
      }
      button.style.top = (window.scrollY + rect.bottom + 6) + "px";
      button.style.left = left + "px";
      button.hidden = false;
    }

    // after static/edit/select.js has placed its button (its own setTimeout 0)
    function later() { window.setTimeout(function () { window.setTimeout(onSelect, 0); }, 0); }
    root.addEventListener("mouseup", later);
    root.addEventListener("keyup", function (event) {
      if (event.shiftKey || event.key === "Shift") later();
    });
    // a new selection (or a click elsewhere) starts: the old action goes
    document.addEventListener("mousedown", function (event) {
      if (event.target !== button) button.hidden = true;
    });
    // mousedown would clear the selection before click fires
    button.addEventListener("mousedown", function (event) { event.preventDefault(); });
    button.addEventListener("click", function () { if (pending) fill(pending); });
    // a quote typed by hand: the server locates it in the text
    form.elements.quote.addEventListener("input", function () {
      ["start", "end", "quote_prefix", "quote_suffix"].forEach(function (name) {
        form.elements[name].value = "";
      });
      var context = form.querySelector('[data-role="context"]');
      if (context) context.textContent = "";
    });
    var cancel = form.querySelector('[data-role="cancel"]');
    if (cancel) cancel.addEventListener("click", function () { details.open = false; });
  }

  function initLinks(root) {
    if (root) {
      // capture: before article.js, which opens the claim of a clicked claim span
      root.addEventListener("click", function (event) {
        var mark = event.target.closest("mark.anno-span[data-annotation]");
        if (!mark || String(window.getSelection())) return;
        var card = document.getElementById("annotation-" + mark.dataset.annotation);
        if (!card) return;
        event.stopPropagation();
        card.scrollIntoView({block: "nearest", behavior: "smooth"});
        flash([card], "flash");
        flash(marksOf(root, mark.dataset.annotation), "active");
      }, true);
    }
    document.querySelectorAll(".anno-quote a[data-annotation]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var marks = marksOf(root, link.dataset.annotation);
        if (!marks.length) return;  // an orphan: nothing to show in the text
        event.preventDefault();
        marks[0].scrollIntoView({block: "center", behavior: "smooth"});
        flash(marks, "active");
      });
    });
    document.querySelectorAll(".annotation-panel .annotation[data-annotation]").forEach(function (card) {
      var marks = null;
      card.addEventListener("mouseenter", function () {
        marks = marksOf(root, card.dataset.annotation);
        Array.prototype.forEach.call(marks, function (m) { m.classList.add("active"); });
      });
      card.addEventListener("mouseleave", function () {
        Array.prototype.forEach.call(marks || [], function (m) { m.classList.remove("active"); });
      });
    });
    document.querySelectorAll("form.anno-delete").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm("Delete this annotation?")) event.preventDefault();
      });
    });
  }

  function init() {
    var root = document.getElementById("article-text");
    initSelection(root);
    initLinks(root);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
