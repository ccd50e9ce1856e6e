// Selected article text → W3C Web Annotation selectors (shared by the "Add claim"
// editor, static/edit/select.js, and the "Annotate" action, static/annotate/annotate.js).
//
// The element #article-text holds the stored text exactly (claim and annotation spans
// are wrapped in <mark>, which adds no characters). A selection in it becomes a
// TextQuoteSelector (exact, 32 characters of prefix and suffix) and a
// TextPositionSelector (start, end exclusive), counted in Unicode code points as claimkb
// stores them (not JavaScript's UTF-16 units). The server checks them against the
// stored text again before writing anything.
(function () {
  "use strict";
  if (window.claimkbSelectors) return;  // included by more than one partial
  var CONTEXT = 32;

  function codePoints(text) { return Array.from(text); }

  // Offset (in code points) of the boundary (node, offset) from the start of root.
  function offsetIn(root, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(root);
    range.setEnd(node, offset);
    return codePoints(range.toString()).length;
  }

  // {exact, prefix, suffix, start, end} of the current selection inside root, or null.
  function selectors(root) {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    var range = selection.getRangeAt(0);
    if (!range.intersectsNode(root)) return null;
    var chars = codePoints(root.textContent);
    var whole = document.createRange();
    whole.selectNodeContents(root);
    // a selection that starts before or ends after the text is cut to the text
    var start = range.compareBoundaryPoints(Range.START_TO_START, whole) <= 0
      ? 0 : offsetIn(root, range.startContainer, range.startOffset);
    var end = range.compareBoundaryPoints(Range.END_TO_END, whole) >= 0
      ? chars.length : offsetIn(root, range.endContainer, range.endOffset);
    while (start < end && /\s/.test(chars[start])) start++;
    while (end > start && /\s/.test(chars[end - 1])) end--;
    if (end <= start) return null;
    return {
      exact: chars.slice(start, end).join(""),
      prefix: chars.slice(Math.max(0, start - CONTEXT), start).join(""),
      suffix: chars.slice(end, end + CONTEXT).join(""),
      start: start,
      end: end
    };
  }

  // Put the selectors into a form's quote fields (quote, quote_prefix, quote_suffix,
  // start, end) and show the quote in its context in the form's [data-role=context].
  function fillQuote(form, sel) {
    form.elements.quote.value = sel.exact;
    form.elements.quote_prefix.value = sel.prefix;
    form.elements.quote_suffix.value = sel.suffix;
    form.elements.start.value = String(sel.start);
    form.elements.end.value = String(sel.end);
    var context = form.querySelector('[data-role="context"]');
    if (context) {
      context.textContent = "…" + sel.prefix;
      var mark = document.createElement("mark");
      mark.textContent = sel.exact;
      context.appendChild(mark);
      context.appendChild(document.createTextNode(sel.suffix + "…"));
    }
  }

  selectors.fillQuote = fillQuote;
  window.claimkbSelectors = selectors;  // for the editors, other scripts and tests
})();
