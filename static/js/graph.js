// Graph view: Cytoscape. A small graph gets a layered (dagre) layout; a large
// one, rings around the frame by distance (Cytoscape's concentric layout),
// because dagre's cost grows fast: 600 nodes took about 2 s. Labels are drawn
// on the canvas and every line of text uses textContent, so hostile titles
// stay inert.
(function () {
  const box = document.getElementById("graph");
  if (!box || typeof cytoscape === "undefined") return;
  if (typeof cytoscapeDagre !== "undefined") cytoscape.use(cytoscapeDagre);
  const info = document.getElementById("graph-info");
  const notice = document.getElementById("graph-notice");
  const params = new URLSearchParams(window.location.search);
  // 7256 -> "7,256" (toLocaleString would load the locale data: ~10 ms)
  const count = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const started = performance.now();
  // Marks for the benchmark (bench/graph_view.py) and the browser's profiler.
  performance.mark("graph:start");

  // Say what was left out, and offer the next larger view while there is one.
  function tellWhatIsLeftOut(elements) {
    if (elements.total <= elements.shown) return;
    notice.textContent = params.get("frame")
      ? `Showing the ${count(elements.shown)} nodes nearest the frame, of ${count(elements.total)} that bear on it. ` +
        "Filter by kind or pick a subframe to narrow it down."
      : `Showing the ${count(elements.shown)} nodes nearest the frames, of ${count(elements.total)} in the map. ` +
        "Pick a frame or filter by kind to narrow it down.";
    if (elements.more) {
      const bigger = new URLSearchParams(params);
      bigger.set("limit", String(elements.more));
      const link = document.createElement("a");
      link.href = "?" + bigger.toString();
      link.dataset.testid = "graph-more";
      link.textContent = `Show the ${count(elements.more)} nearest`;
      notice.append(" ", link, " (slower to draw).");
    }
    notice.hidden = false;
  }

  // The same URL as the page's <link rel="preload">, so this reuses that response.
  fetch(box.dataset.src, { credentials: "same-origin" })
    .then((r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.json();
    })
    .then((elements) => {
      performance.mark("graph:data");
      tellWhatIsLeftOut(elements);
      const big = elements.layout === "concentric";
      if (big) info.textContent = "Zoom in to read every label; hover a node to read its title; click it to open its page.";
      const cy = cytoscape({
        container: box,
        elements: { nodes: elements.nodes, edges: elements.edges },
        wheelSensitivity: 0.3,
        textureOnViewport: big,
        hideEdgesOnViewport: big,
        style: [
          { selector: "node", style: {
              label: "data(label)", "font-size": 9, "text-wrap": "ellipsis", "text-max-width": 120,
              "text-valign": "bottom", "text-margin-y": 3, width: 18, height: 18,
              // Hundreds of labels overlap into noise at the zoom that fits them
              // all: Cytoscape draws them once zoomed in past 1 (it rounds the
              // zoom up to a power of two before comparing); frames' 12 px
              // labels show from the start, and hovering names any node.
              ...(big ? { "min-zoomed-font-size": 10 } : {}) } },
          { selector: 'node[kind = "frame"]', style: {
              shape: "diamond", "background-color": "#5b3fa0", width: 30, height: 30, "font-weight": "bold",
              ...(big ? { "font-size": 12 } : {}) } },
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
        layout: big
          ? { name: "concentric", concentric: (n) => -n.data("dist"), levelWidth: () => 1,
              minNodeSpacing: 6, fit: true, padding: 16, animate: false }
          : { name: "dagre", rankDir: "BT", nodeSep: 12, rankSep: 60, animate: false },
      });
      performance.mark("graph:laid-out");
      cy.on("tap", "node", (evt) => {
        const n = evt.target;
        const template = n.data("kind") === "frame" ? box.dataset.frameUrl : box.dataset.nodeUrl;
        window.location.href = template.replace("KEY", encodeURIComponent(n.id()));
      });
      cy.on("mouseover", "node", (evt) => {
        info.textContent = `${evt.target.data("kind")}: ${evt.target.data("label")}`;
      });
      // Ready when the first frame is on the canvas, not merely laid out.
      cy.one("render", () => {
        performance.mark("graph:drawn");
        box.dataset.renderMs = String(Math.round(performance.now() - started));
        box.dataset.nodes = String(cy.nodes().length);
        box.setAttribute("data-ready", "1");
      });
      window.argmapGraph = cy;
    })
    .catch((err) => { info.textContent = "The graph could not be loaded: " + err; });
})();
