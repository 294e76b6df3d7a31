// Draws every chart of the page with the vendored Vega-Embed (assets/vega-bundle.js): the
// specs are JSON in the page, their data inline, so nothing is fetched.
(function () {
  "use strict";
  var specs = document.querySelectorAll("script.chart-spec");
  specs.forEach(function (node) {
    var target = document.getElementById(node.dataset.target);
    var spec = JSON.parse(node.textContent);
    window.vegaEmbed(target, spec, { actions: false, renderer: "svg" })
      .then(function () { target.dataset.rendered = "true"; })
      .catch(function (error) {
        target.textContent = "This chart could not be drawn: " + error;
        console.error(error);
      });
  });
})();
