// Sends the page's CSRF token with every htmx request (X-CSRF-Token header).
document.addEventListener("htmx:configRequest", function (event) {
  var input = document.querySelector('input[name="csrf_token"]');
  if (input && !event.detail.headers["X-CSRF-Token"]) {
    event.detail.headers["X-CSRF-Token"] = input.value;
  }
});
