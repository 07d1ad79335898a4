/* The trainer's progress board: ask the server for fresh figures every few seconds and
   update the table in place. Without JavaScript the page shows the same table and a
   refresh link. No libraries; texts come translated from the server. */
(function () {
  "use strict";
  var board = document.getElementById("progress-board");
  if (!board || !window.fetch || !window.JSON) { return; }
  var url = board.getAttribute("data-poll-url");
  var interval = parseInt(board.getAttribute("data-poll-interval"), 10) || 5000;
  var participantUrl = board.getAttribute("data-participant-url");
  var rateUrl = board.getAttribute("data-rate-url");
  var rateText = board.getAttribute("data-rate-text");
  var tbody = board.querySelector("tbody");
  var summary = document.getElementById("progress-summary");
  var empty = document.getElementById("progress-empty");
  var note = document.getElementById("live-note");
  if (note) { note.hidden = false; }

  function link(href, text) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  function newRow(p) {
    var tr = document.createElement("tr");
    tr.id = "member-" + p.id;
    var name = document.createElement("th");
    name.scope = "row";
    name.className = "p-name";
    name.appendChild(link(participantUrl.replace("/participants/0", "/participants/" + p.id), p.name));
    var state = document.createElement("td");
    state.className = "p-state";
    var pill = document.createElement("span");
    pill.className = "status-pill";
    state.appendChild(pill);
    state.appendChild(document.createTextNode(" "));
    var bar = document.createElement("progress");
    state.appendChild(bar);
    var rating = document.createElement("td");
    rating.className = "p-rating";
    var actions = document.createElement("td");
    actions.className = "p-actions";
    actions.appendChild(link(rateUrl.replace("/participants/0", "/participants/" + p.id), rateText));
    tr.appendChild(name);
    tr.appendChild(state);
    tr.appendChild(rating);
    tr.appendChild(actions);
    return tr;
  }

  function fill(tr, p) {
    var pill = tr.querySelector(".p-state .status-pill");
    if (pill.textContent !== p.label) { pill.textContent = p.label; }
    pill.className = "status-pill state-" + p.state;
    tr.setAttribute("data-state", p.state);
    var bar = tr.querySelector(".p-state progress");
    bar.max = p.total;
    bar.value = p.answered;
    bar.setAttribute("aria-label", p.name + ": " + p.answered + "/" + p.total);
    bar.textContent = p.answered + "/" + p.total;
    var rating = tr.querySelector(".p-rating");
    if (rating.textContent !== p.rating_label) { rating.textContent = p.rating_label; }
  }

  function update(data) {
    var seen = {};
    data.participants.forEach(function (p, index) {
      var tr = document.getElementById("member-" + p.id);
      if (!tr) { tr = newRow(p); }
      fill(tr, p);
      seen[tr.id] = true;
      if (tbody.children[index] !== tr) { tbody.insertBefore(tr, tbody.children[index] || null); }
    });
    Array.prototype.slice.call(tbody.children).forEach(function (tr) {
      if (!seen[tr.id]) { tbody.removeChild(tr); }
    });
    if (summary && summary.textContent !== data.summary) { summary.textContent = data.summary; }
    if (empty) { empty.hidden = data.participants.length > 0; }
    board.hidden = data.participants.length === 0;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { update(data); } })
      .catch(function () { /* offline for a moment: try again next time */ })
      .then(function () { window.setTimeout(poll, interval); });
  }

  window.setTimeout(poll, interval);
}());
