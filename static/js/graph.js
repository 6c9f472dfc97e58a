// Graph view: Cytoscape with a layered (dagre) layout. Labels are drawn on the
// canvas and the info line uses textContent, so hostile titles stay inert.
(function () {
  const box = document.getElementById("graph");
  if (!box || typeof cytoscape === "undefined") return;
  if (typeof cytoscapeDagre !== "undefined") cytoscape.use(cytoscapeDagre);
  const info = document.getElementById("graph-info");
  const params = new URLSearchParams(window.location.search);
  const url = box.dataset.src + (params.toString() ? "?" + params.toString() : "");
  const started = performance.now();

  fetch(url, { credentials: "same-origin" })
    .then((r) => r.json())
    .then((elements) => {
      const big = elements.nodes.length > 400;
      if (elements.total > elements.shown) {
        info.textContent = `Showing the ${elements.shown} nodes nearest the frame` +
          ` of ${elements.total} that bear on it; filter by kind or pick a subframe to see more.`;
      }
      const cy = cytoscape({
        container: box,
        elements: { nodes: elements.nodes, edges: elements.edges },
        wheelSensitivity: 0.3,
        textureOnViewport: big,
        hideEdgesOnViewport: big,
        style: [
          { selector: "node", style: {
              label: "data(label)", "font-size": 9, "text-wrap": "ellipsis", "text-max-width": 120,
              "text-valign": "bottom", "text-margin-y": 3, width: 18, height: 18 } },
          { selector: 'node[kind = "frame"]', style: {
              shape: "diamond", "background-color": "#5b3fa0", width: 30, height: 30, "font-weight": "bold" } },
          { selector: 'node[kind = "crux"]', style: { shape: "ellipse", "background-color": "#d08a00" } },
          { selector: 'node[kind = "claim"]', style: { shape: "round-rectangle", "background-color": "#2f6f9f" } },
          { selector: "edge", style: {
              "curve-style": big ? "haystack" : "bezier", "target-arrow-shape": "triangle",
              width: "mapData(weight, 0, 1, 0.5, 4)", "line-color": "#999", "target-arrow-color": "#999" } },
          { selector: 'edge[kind = "supports"]', style: { "line-color": "#1b8a3a", "target-arrow-color": "#1b8a3a" } },
          { selector: 'edge[kind = "undermines"]', style: { "line-color": "#c0392b", "target-arrow-color": "#c0392b" } },
          { selector: 'edge[kind = "subframe_of"]', style: { "line-style": "dashed", "line-color": "#5b3fa0", "target-arrow-color": "#5b3fa0" } },
          { selector: 'edge[kind = "related"]', style: { "line-style": "dotted", "target-arrow-shape": "none" } },
        ],
        layout: elements.nodes.length > 300
          ? { name: "breadthfirst", directed: true, spacingFactor: 0.8 }
          : { name: "dagre", rankDir: "BT", nodeSep: 12, rankSep: 60, animate: false },
      });
      cy.on("tap", "node", (evt) => {
        const n = evt.target;
        const template = n.data("kind") === "frame" ? box.dataset.frameUrl : box.dataset.nodeUrl;
        window.location.href = template.replace("KEY", encodeURIComponent(n.id()));
      });
      cy.on("mouseover", "node", (evt) => {
        info.textContent = `${evt.target.data("kind")}: ${evt.target.data("label")}`;
      });
      cy.ready(() => {
        box.dataset.renderMs = String(Math.round(performance.now() - started));
        box.dataset.nodes = String(cy.nodes().length);
        box.setAttribute("data-ready", "1");
      });
      window.argmapGraph = cy;
    })
    .catch((err) => { info.textContent = "The graph could not be loaded: " + err; });
})();
