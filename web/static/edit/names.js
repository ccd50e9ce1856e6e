// Suggestions for the claim form's names (templates/edit/_fields.html).
//
// Every input with data-suggest="<kind>" (subject, scope and an entity value: entities;
// property: properties; speaker: people) becomes an ARIA 1.2 combobox: as the editor
// types, the existing resources whose key, label or alias contains the words (case,
// accents and dashes ignored) are fetched from GET /names/suggest?kind=&q= (JSON) and
// offered in a listbox under the field. Arrow keys move through them, Enter or a click
// chooses one, Escape closes the list. Choosing fills in the resource's label and its id
// (the hidden <name>_id, with <name>_was = the label), so that the name resolves to
// exactly that resource; typing on afterwards makes the id lapse (the server ignores it
// once the label differs from <name>_was). In a set of entities ("France; Germany") the
// name being typed after the last ";" is completed. The field's "find existing" link
// follows what is typed. Everything shown is built with textContent, never as HTML.
(function () {
  "use strict";
  var DELAY = 150;      // ms after the last keystroke before asking
  var seen = 0;

  function setup(input) {
    var form = input.form;
    var name = input.name;
    var kind = input.getAttribute("data-suggest");
    var box = input.parentNode;
    var find = box.parentNode.querySelector("a[data-find]");
    var findBase = find ? find.getAttribute("href").split("?")[0] : null;
    var kindSelect = name === "value" ? form.elements.value_kind : null;
    var listId = "suggest-" + name + "-" + (++seen);
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Existing " + kind);
    list.hidden = true;
    // a press anywhere in the list (its scroll bar too) leaves the focus in the input
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    box.appendChild(list);
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    box.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var timer = null, controller = null, items = [], active = -1, asked = 0;

    function inSet() { return kindSelect !== null && kindSelect.value === "entities"; }
    function enabled() {
      return kindSelect === null || kindSelect.value === "entity" || kindSelect.value === "entities";
    }
    function term() {
      var text = input.value;
      if (inSet()) text = text.slice(text.lastIndexOf(";") + 1);
      return text.trim();
    }
    function setField(suffix, value) {
      var hidden = form.elements[name + suffix];
      if (hidden) hidden.value = value;
    }
    function updateFind() {
      if (!find) return;
      find.hidden = !enabled();
      var q = term();
      find.setAttribute("href", findBase + (q ? "?q=" + encodeURIComponent(q) : ""));
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.children;
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({block: "nearest"});
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function option(item, index) {
      var li = document.createElement("li");
      li.id = listId + "-" + index;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.setAttribute("data-id", item.id);
      var label = document.createElement("span");
      label.className = "label";
      label.textContent = item.label;
      li.appendChild(label);
      var meta = [item.id];
      if (item.aliases && item.aliases.length) meta.push("also " + item.aliases.join(", "));
      if (item.wikidata && item.wikidata.length) meta.push(item.wikidata.join(", "));
      meta.push(item.claims === 1 ? "1 claim" : item.claims + " claims");
      var small = document.createElement("span");
      small.className = "meta";
      small.textContent = meta.join(" · ");
      li.appendChild(small);
      // mousedown, not click: the input keeps its focus (no blur closing the list first)
      li.addEventListener("mousedown", function () { choose(index); });
      return li;
    }

    function show(found) {
      items = Array.isArray(found) ? found : [];
      list.textContent = "";
      items.forEach(function (item, i) { list.appendChild(option(item, i)); });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (!items.length) {
        close();
        status.textContent = "no existing " + kind + " match";
        return;
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent = items.length + (items.length === 1 ? " existing match" : " existing matches")
        + ": up and down arrows to choose";
    }

    function choose(index) {
      var item = items[index];
      if (!item) return;
      if (inSet()) {
        var text = input.value, cut = text.lastIndexOf(";");
        input.value = (cut >= 0 ? text.slice(0, cut + 1) + " " : "") + item.label;
      } else {
        input.value = item.label;
        setField("_id", item.id);
        setField("_was", item.label);
      }
      close();
      updateFind();
      status.textContent = item.label + " (" + item.id + ") chosen";
    }

    function ask() {
      var q = term();
      if (!enabled() || !q) { close(); return; }
      if (controller) controller.abort();
      controller = typeof AbortController === "function" ? new AbortController() : null;
      var mine = ++asked;
      var url = "/names/suggest?kind=" + encodeURIComponent(kind) + "&q=" + encodeURIComponent(q);
      fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin",
                  signal: controller ? controller.signal : undefined})
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (found) {
          if (mine === asked && document.activeElement === input) show(found);
        })
        .catch(function (error) {
          if (!error || error.name !== "AbortError") close();
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DELAY);
      updateFind();
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) {
        if (event.key === "ArrowDown" && term()) { event.preventDefault(); ask(); }
        return;
      }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % items.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();     // chooses; does not submit the form
        choose(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
    if (kindSelect) kindSelect.addEventListener("change", function () { close(); updateFind(); });
    updateFind();
  }

  function init() {
    var inputs = document.querySelectorAll("form.claim-form input[data-suggest]");
    for (var i = 0; i < inputs.length; i++) setup(inputs[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
