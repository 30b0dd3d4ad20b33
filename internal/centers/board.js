// The display board works without JavaScript by refreshing every five
// seconds; with it, a call shows at once through server-sent events.
(function () {
  var board = document.querySelector("[data-board-events]");
  if (!board || !window.EventSource) { return; }
  var events = new EventSource(board.getAttribute("data-board-events"));
  events.addEventListener("call", function () { window.location.reload(); });
})();
