// Readings grid: the counties' total under each column, updated as figures are typed, so that a
// department sees at once whether its county rows add up to the city-wide figure.
(function () {
  "use strict";
  var grid = document.querySelector("table.entry-grid");
  if (!grid) { return; }

  function parse(text) {
    // The same forms the server accepts: full-width digits, thousands separators, a trailing %.
    var value = (text || "").normalize("NFKC").replace(/[,，\s]/g, "").replace(/%$/, "");
    if (value === "") { return null; }
    var number = Number(value);
    return isFinite(number) ? number : NaN;
  }

  function decimals(number) {
    var text = String(number);
    var dot = text.indexOf(".");
    return dot < 0 ? 0 : text.length - dot - 1;
  }

  function update() {
    grid.querySelectorAll("[data-sum-of]").forEach(function (cell) {
      var name = cell.getAttribute("data-sum-of");
      if (name === "cumulative_growth") { return; }
      var total = 0, places = 0, seen = 0, bad = false;
      grid.querySelectorAll('td[data-sum="' + name + '"] input').forEach(function (input) {
        var number = parse(input.value);
        if (number === null) { return; }
        if (isNaN(number)) { bad = true; return; }
        total += number; seen += 1; places = Math.max(places, decimals(number));
      });
      cell.textContent = bad ? "?" : seen ? total.toFixed(Math.min(places, 4)) : "—";
    });
  }

  grid.addEventListener("input", update);
  update();
})();
