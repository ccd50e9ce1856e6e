// Article page: a click on a highlighted claim span opens that claim (the spans are
// <mark> elements; links inside the text would change its text content).
document.addEventListener("click", (event) => {
  const mark = event.target.closest("mark.claim-span[data-claim]");
  if (mark && !window.getSelection().toString()) {
    window.location.href = "/claims/" + encodeURIComponent(mark.dataset.claim);
  }
});
