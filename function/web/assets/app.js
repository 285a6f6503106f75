// Progressive enhancement: with JavaScript on, a new date updates the answer
// in place from a small HTML fragment; without it, the form submits as usual.
(function () {
  "use strict";
  var form = document.getElementById("days-form");
  var input = document.getElementById("birthdate");
  var output = document.getElementById("birthdate-output");
  if (!form || !input || !output || !window.fetch) return;
  var url = form.getAttribute("data-fragment");
  var timer = 0;
  var seq = 0;

  function update(submitted) {
    var value = input.value;
    // Typing a year yields 0001, 0019, 0199 on the way to 1993: wait for a
    // complete, plausible date rather than asking about each keystroke. A
    // submission always asks, so the server explains what is wrong.
    if (!submitted && !/^[1-9]\d{3}-\d{2}-\d{2}$/.test(value)) return;
    var mine = ++seq;
    form.setAttribute("aria-busy", "true");
    fetch(url + "?date=" + encodeURIComponent(value), { headers: { "Accept": "text/html" } })
      .then(function (res) { return res.text(); })
      .then(function (html) {
        if (mine !== seq) return;
        output.innerHTML = html;
        history.replaceState(null, "", "?date=" + encodeURIComponent(value));
      })
      .catch(function () {
        if (mine === seq) output.textContent = "Could not reach the server. Please try again.";
      })
      .finally(function () { if (mine === seq) form.removeAttribute("aria-busy"); });
  }

  input.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { update(false); }, 250);
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    clearTimeout(timer);
    update(true);
  });
})();

// With JavaScript on, the long computation reports its steps in place, as
// server-sent events; without it, the link opens the streamed HTML page.
(function () {
  "use strict";
  var link = document.getElementById("progress-link");
  var live = document.getElementById("progress-live");
  var bar = document.getElementById("progress-bar");
  var text = document.getElementById("progress-text");
  if (!link || !live || !bar || !text || !window.EventSource) return;
  var source = null;
  var note = "";

  link.addEventListener("click", function (ev) {
    ev.preventDefault();
    if (source) return; // one run at a time
    live.hidden = false;
    bar.value = 0;
    text.textContent = "Starting…";
    note = "";
    source = new EventSource(link.getAttribute("data-events"));
    // The server shortened the run to end before the request's deadline.
    source.addEventListener("clamped", function (e) {
      var c = JSON.parse(e.data);
      note = " (shortened from " + c.asked + " s: this request must end within " + c.within + " s)";
    });
    source.addEventListener("step", function (e) {
      var s = JSON.parse(e.data);
      bar.max = s.of;
      bar.value = s.step;
      text.textContent = "Step " + s.step + " of " + s.of + ": " + s.primes + " primes below " + s.upto + note;
    });
    source.addEventListener("done", function (e) {
      var s = JSON.parse(e.data);
      text.textContent = "Done: " + s.primes + " primes below " + s.upto + " in " + s.of + " steps" + note + ".";
      source.close();
      source = null;
    });
    source.onerror = function () {
      // The stream ended before "done" (a deadline or a network error);
      // EventSource would retry and start over, so stop here.
      if (!source) return;
      text.textContent = "The computation stopped before it finished.";
      source.close();
      source = null;
    };
  });
})();
