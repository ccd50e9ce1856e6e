/* The SPARQL page: YASGUI (served from /static/vendor, no CDN) on our own endpoint.
 * No outside requests: the endpoint catalogue holds only this endpoint, the LOV
 * autocompleters (property, class) are removed, the prefix autocompleter uses the list
 * bundled in yasgui.min.js (prefixCcApi stays null), there is no CORS proxy and no
 * persistence (the query comes from the page, so permalinks open what they say).
 * Without JavaScript the page keeps its plain form and server-rendered results. */
(function () {
  "use strict";
  var configEl = document.getElementById("sparql-config");
  var root = document.getElementById("yasgui");
  if (!configEl || !root || typeof window.Yasgui === "undefined") { return; }
  var config = JSON.parse(configEl.textContent);
  var Yasgui = window.Yasgui;
  var LOCAL_COMPLETERS = ["prefixes", "variables"];

  // Yasgui.defaults.yasqe is Yasqe.defaults: fix the list before any editor exists.
  Yasgui.Yasqe.defaults.autocompleters = LOCAL_COMPLETERS.slice();
  Yasgui.Yasqe.defaults.prefixCcApi = null;

  // YASGUI's results table (YASR's table plugin): an IRI shows a short label with the
  // whole IRI as its title, as the server's table does (web/presenters/sparql.py
  // iri_label, iri_href): the last segment of the KB's own IRIs (under the configured
  // base), else a prefixed name (ckb:Factual), else the last segment; the KB's own link
  // to this server (config.siteRoot) when the base names another. Only http(s) IRIs
  // become links (a query can BIND any IRI).
  var vocabulary = Object.keys(config.prefixes || {}).map(function (p) { return [p, config.prefixes[p]]; })
    .sort(function (a, b) { return b[1].length - a[1].length; });
  function startsWith(text, start) { return text.length > start.length && text.indexOf(start) === 0; }
  function lastSegment(iri) { return iri.replace(/[\/#]+$/, "").split(/[#\/]/).pop() || iri; }
  function kbOwn(iri) {
    var base = config.baseIri || "";
    return base !== "" && startsWith(iri, base) && !vocabulary.some(function (pair) {
      return pair[1].length > base.length && startsWith(iri, pair[1]);
    });
  }
  function iriLabel(iri) {
    if (!kbOwn(iri)) {
      for (var i = 0; i < vocabulary.length; i++) {
        if (startsWith(iri, vocabulary[i][1])) { return vocabulary[i][0] + ":" + iri.slice(vocabulary[i][1].length); }
      }
    }
    return lastSegment(iri);
  }
  function iriHref(iri) {
    if (config.siteRoot && config.siteRoot !== config.baseIri && kbOwn(iri)) {
      return config.siteRoot.replace(/\/+$/, "") + "/" + iri.slice(config.baseIri.length).replace(/^\/+/, "");
    }
    return iri;
  }
  var Table = Yasgui.Yasr && Yasgui.Yasr.plugins && Yasgui.Yasr.plugins.table;
  if (Table) {
    Table.prototype.getUriLinkFromBinding = function (binding) {
      var href = iriHref(binding.value);
      var el = document.createElement(/^https?:\/\//i.test(href) ? "a" : "span");
      el.className = "iri";
      el.title = binding.value;
      el.textContent = iriLabel(binding.value);
      if (el.tagName === "A") {
        el.href = href;
        if (this.config.openIriInNewWindow) { el.target = "_blank"; el.rel = "noopener noreferrer"; }
      }
      return el.outerHTML;
    };
    // the page size <select> has a text beside it but no label: give it a name
    var drawControls = Table.prototype.drawControls;
    Table.prototype.drawControls = function () {
      drawControls.apply(this, arguments);
      if (this.tableSizeField) { this.tableSizeField.setAttribute("aria-label", "Page size"); }
    };
  }

  var SELECT_DOWNLOADS = [["CSV", "csv"], ["JSON", "json"], ["TSV", "tsv"], ["XML", "xml"]];
  var GRAPH_DOWNLOADS = [["Turtle", "ttl"], ["N-Triples", "nt"], ["JSON-LD", "jsonld"], ["RDF/XML", "rdf"]];

  function permalink(query, extra) {
    var params = new URLSearchParams();
    params.set("query", query);
    if (extra) { Object.keys(extra).forEach(function (k) { params.set(k, extra[k]); }); }
    return config.permalinkBase + "?" + params.toString();
  }

  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: config.endpoint }]; },
      keys: []
    },
    copyEndpointOnNewTab: true,
    corsProxy: undefined,
    persistenceId: null,
    populateFromUrl: false,
    autofocus: false,
    yasqe: {
      autocompleters: LOCAL_COMPLETERS.slice(),
      prefixCcApi: null,
      createShareableLink: function (yasqe) { return location.origin + permalink(yasqe.getValue()); },
      collapsePrefixesOnLoad: true,
      editorHeight: "320px",
      // the editable text is inside the editor's scrolling box, which the keyboard
      // then reaches, and screen readers read it better (CodeMirror's documentation)
      inputStyle: "contenteditable",
      screenReaderLabel: "SPARQL query"
    },
    yasr: {
      prefixes: config.prefixes,
      pluginOrder: ["table", "response"],
      defaultPlugin: "table"
    }
  });

  function localOnly(tab) {
    var yasqe = tab && tab.getYasqe();
    if (!yasqe) { return; }
    ["property", "class"].forEach(function (name) {
      if (yasqe.autocompleters[name] || yasqe.config.autocompleters.indexOf(name) >= 0) {
        yasqe.disableCompleter(name);
      }
    });
    if (!yasqe.claimkbLinked) {
      yasqe.claimkbLinked = true;
      yasqe.on("change", function () { updateLinks(yasqe); });
    }
  }

  function updateLinks(yasqe) {
    var query = yasqe.getValue();
    var links = document.getElementById("sparql-links");
    var perma = document.getElementById("sparql-permalink");
    var box = document.getElementById("sparql-downloads");
    if (!links || !perma || !box) { return; }
    links.hidden = false;
    perma.href = permalink(query);
    var type = (yasqe.getQueryType() || "").toUpperCase();
    var formats = (type === "CONSTRUCT" || type === "DESCRIBE") ? GRAPH_DOWNLOADS
      : (type === "ASK" ? SELECT_DOWNLOADS.slice(1, 2).concat(SELECT_DOWNLOADS.slice(3)) : SELECT_DOWNLOADS);
    box.textContent = " · Download: ";
    formats.forEach(function (pair, i) {
      var a = document.createElement("a");
      a.className = "download";
      a.textContent = pair[0];
      a.href = permalink(query, { format: pair[1] });
      box.appendChild(a);
      if (i < formats.length - 1) { box.appendChild(document.createTextNode(", ")); }
    });
  }

  var tab = yasgui.getTab();
  tab.setEndpoint(config.endpoint);
  tab.setQuery(config.query);
  localOnly(tab);
  if (tab.getYasqe()) { updateLinks(tab.getYasqe()); }
  yasgui.on("tabChange", function (_y, t) { localOnly(t); });
  yasgui.on("tabSelect", function (y, id) { localOnly(y.getTab(id)); });
  yasgui.on("tabAdd", function (y, id) { localOnly(y.getTab(id)); });
  // the server's table belongs to the query the page was opened with: hide it once
  // YASGUI shows results of its own
  yasgui.on("query", function () {
    var server = document.getElementById("server-results");
    if (server) { server.hidden = true; }
  });

  // accessibility of YASGUI's own controls (axe-core, tests/web/test_browser_a11y.py): the
  // endpoint field gets a name, and the "+" (new tab) leaves the tab list, where only
  // tabs belong, for a place just after it (YASGUI adds tabs before its empty holder)
  root.querySelectorAll(".controlbar input.autocomplete").forEach(function (input) {
    input.setAttribute("aria-label", "SPARQL endpoint");
  });
  var tabs = root.querySelector(".tabsList");
  var addTab = tabs && tabs.querySelector("button.addTab");
  if (addTab) {
    var bar = document.createElement("div");
    bar.className = "sparql-tabbar";
    tabs.parentNode.insertBefore(bar, tabs);
    bar.appendChild(tabs);
    bar.appendChild(addTab);
  }

  document.getElementById("sparql-plain").hidden = true;
  root.hidden = false;
  // YASGUI was built while #yasgui was hidden: CodeMirror must measure again to draw
  var shown = tab.getYasqe();
  if (shown) { shown.refresh(); }
}());
