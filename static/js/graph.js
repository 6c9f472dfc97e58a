// Graph view: Cytoscape.
//
// Up to 200 nodes (the server says layout "layered"): a layered drawing placed
// here (a "preset" layout): frames in the top row, each further row one step
// further from the frames (the server's `dist`), ordered within a row by where
// the nodes they bear on sit (barycentre sweeps), a row wrapped into several
// when it would be wider than the drawing's share of the canvas, and every
// node sized from its wrapped title, so that no two labels can overlap.
// Linked premises meet at a small junction before their one arrow; an undercut
// points at a junction on the arrow it attacks. Placing rows ourselves is a few
// milliseconds, where dagre took 0.15-0.7 s and drew the whole map as one strip.
//
// A large graph: rings around the frame by distance (Cytoscape's concentric
// layout), labels drawn once zoomed in.
//
// Every title reaches the page through textContent or the canvas, so hostile
// titles stay inert.
(function () {
  const box = document.getElementById("graph");
  if (!box || typeof cytoscape === "undefined") return;
  const info = document.getElementById("graph-info");
  const notice = document.getElementById("graph-notice");
  const focusPanel = document.getElementById("graph-focus");
  const tools = document.getElementById("graph-tools");
  const unfocusButton = document.getElementById("graph-unfocus");
  const params = new URLSearchParams(window.location.search);
  // 7256 -> "7,256" (toLocaleString would load the locale data: ~10 ms)
  const count = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const started = performance.now();
  // Marks for the benchmark (bench/graph_view.py) and the browser's profiler.
  performance.mark("graph:start");

  const FONT = "Helvetica, Arial, sans-serif";
  const TEXT = { frame: 13, crux: 11, claim: 11 }; // px at zoom 1
  const TEXT_WIDTH = 170; // widest line of a label, px
  const MAX_LINES = 4; // the rest of a long title: "…" (the full title is in the list and on hover)
  const PAD = 7;
  const GAP_X = 18, GAP_ROW = 22, GAP_RANK = 64;
  const READABLE_ZOOM = 0.75; // 11 px text drawn at 8 px or more
  const COLOURS = {
    supports: "#1b8a3a", undermines: "#c0392b", subframe_of: "#5b3fa0",
    related: "#8a8a8a", undercuts: "#a0307f",
  };
  const PHRASE = {
    supports: "supported by", undermines: "undermined by", subframe_of: "has the subframe",
    related: "related to", undercuts: "undercut by",
  };

  function pageOf(kind, key) {
    const template = kind === "frame" ? box.dataset.frameUrl : box.dataset.nodeUrl;
    return template.replace("KEY", encodeURIComponent(key));
  }

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

  // Greedy word wrap with the canvas's own measure; at most MAX_LINES lines.
  const measure = document.createElement("canvas").getContext("2d");
  function wrap(title, kind) {
    measure.font = `${kind === "frame" ? "bold " : ""}${TEXT[kind] || 11}px ${FONT}`;
    const width = (s) => measure.measureText(s).width;
    const lines = [];
    let line = "";
    for (const word of title.split(/\s+/).filter(Boolean)) {
      const next = line ? line + " " + word : word;
      if (!line || width(next) <= TEXT_WIDTH) line = next;
      else { lines.push(line); line = word; }
    }
    if (line) lines.push(line);
    if (lines.length > MAX_LINES) {
      lines.length = MAX_LINES;
      let last = lines[MAX_LINES - 1];
      while (last && width(last + " …") > TEXT_WIDTH) last = last.replace(/\s*\S+$/, "");
      lines[MAX_LINES - 1] = (last || lines[MAX_LINES - 1].slice(0, 20)) + " …";
    }
    // A single word wider than the line: Cytoscape breaks it; cut it here instead.
    const cut = lines.map((l) => {
      while (width(l) > TEXT_WIDTH * 1.05 && l.length > 4) l = l.slice(0, -2) + "…";
      return l;
    });
    const w = Math.max(24, ...cut.map(width));
    return { text: cut.join("\n") || " ", w: Math.ceil(w) + 2 * PAD, h: Math.ceil(cut.length * (TEXT[kind] || 11) * 1.25) + 2 * PAD };
  }

  // Linked premises and undercuts as junction nodes (the small graph only).
  function withJunctions(elements) {
    const nodes = elements.nodes.slice();
    const edges = [];
    const groups = new Map(); // "target|kind|group" -> junction id
    const byId = new Map();
    for (const e of elements.edges) {
      const d = e.data;
      if (d.kind === "undercuts") continue;
      if (d.group) {
        const gkey = `${d.target}|${d.kind}|${d.group}`;
        let j = groups.get(gkey);
        if (!j) {
          j = `j:${gkey}`;
          groups.set(gkey, j);
          nodes.push({ data: { id: j, kind: "link", junction: "linked", group: d.group, of: d.target, label: "" } });
          edges.push({ data: { id: `${j}>`, source: j, target: d.target, kind: d.kind, weight: d.weight, linked: 1 } });
        } else {
          const out = edges.find((x) => x.data.id === `${j}>`);
          out.data.weight = Math.max(out.data.weight, d.weight);
        }
        const premise = { data: { ...d, target: j, premise: 1 } };
        edges.push(premise);
        byId.set(d.id, premise);
      } else {
        const plain = { data: { ...d } };
        edges.push(plain);
        byId.set(d.id, plain);
      }
    }
    for (const e of elements.edges) {
      const d = e.data;
      if (d.kind !== "undercuts") continue;
      const attacked = byId.get(d.target_edge);
      if (!attacked) { edges.push({ data: { ...d } }); continue; }
      let j = attacked.data.inference;
      if (!j) {
        // Split the attacked arrow at a junction: source -> junction -> target.
        j = `i:${d.target_edge}`;
        nodes.push({ data: { id: j, kind: "link", junction: "inference", of: attacked.data.target, label: "" } });
        edges.push({ data: { id: `${d.target_edge}>`, source: j, target: attacked.data.target,
                             kind: attacked.data.kind, weight: attacked.data.weight, tail: 1 } });
        attacked.data.target = j;
        attacked.data.inference = j;
        attacked.data.head = 1; // drawn without its arrow: the tail carries it
      }
      edges.push({ data: { ...d, target: j } });
    }
    return { nodes, edges };
  }

  // The layered placement: rows by dist, ordered by barycentre, wrapped to a width.
  function layered(cy) {
    const real = cy.nodes("[kind != 'link']");
    const size = new Map();
    let area = 0, widest = 0;
    real.forEach((n) => {
      const bb = n.boundingBox({ includeLabels: true });
      const w = bb.w, h = bb.h;
      size.set(n.id(), { w, h });
      area += (w + GAP_X) * (h + GAP_ROW);
      widest = Math.max(widest, w);
    });
    // As wide as the canvas at zoom 1 at least, and at most as wide as the
    // canvas at a readable zoom: a big graph then scrolls one way, down.
    const canvasW = (box.clientWidth || 900) * 0.95, canvasH = box.clientHeight || 600;
    const aspect = Math.max(0.6, Math.min(3, canvasW / canvasH));
    const width = Math.max(widest, Math.min(canvasW / READABLE_ZOOM, Math.max(canvasW, Math.sqrt(area * aspect))));

    // What each node bears on (through junctions), for the ordering.
    const parents = new Map();
    const through = (id) => {
      const n = cy.getElementById(id);
      return n.data("kind") === "link" ? through(n.data("of")) : id;
    };
    cy.edges().forEach((e) => {
      const s = e.source(), t = e.target();
      if (s.data("kind") === "link") return;
      const list = parents.get(s.id()) || [];
      list.push(through(t.id()));
      parents.set(s.id(), list);
    });
    const ranks = new Map();
    real.forEach((n) => {
      const r = n.data("kind") === "frame" ? 0 : Math.max(1, n.data("dist") || 0);
      if (!ranks.has(r)) ranks.set(r, []);
      ranks.get(r).push(n.id());
    });
    const order = [...ranks.keys()].sort((a, b) => a - b);
    const where = new Map(); // id -> x in 0..1 within its rank
    const place = (ids) => ids.forEach((id, i) => where.set(id, (i + 0.5) / ids.length));
    for (let sweep = 0; sweep < 3; sweep++) {
      for (const r of order) {
        const ids = ranks.get(r);
        if (r > 0 || sweep > 0) {
          const score = new Map(ids.map((id, i) => {
            const xs = (parents.get(id) || []).filter((p) => p !== id).map((p) => where.get(p)).filter((x) => x !== undefined);
            return [id, xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : (where.get(id) ?? (i + 0.5) / ids.length)];
          }));
          ids.sort((a, b) => score.get(a) - score.get(b));
        }
        place(ids);
      }
    }

    // Wrap each rank into rows of about `width`, balanced, then stack the rows.
    const positions = {};
    let y = 0;
    for (const r of order) {
      const ids = ranks.get(r);
      const total = ids.reduce((a, id) => a + size.get(id).w + GAP_X, 0);
      const rows = Math.max(1, Math.ceil(total / width));
      const target = total / rows;
      let row = [], acc = 0;
      const flush = () => {
        if (!row.length) return;
        const rowWidth = row.reduce((a, id) => a + size.get(id).w, 0) + GAP_X * (row.length - 1);
        const rowHeight = Math.max(...row.map((id) => size.get(id).h));
        let x = -rowWidth / 2;
        for (const id of row) {
          const s = size.get(id);
          positions[id] = { x: x + s.w / 2, y: y + s.h / 2 };
          x += s.w + GAP_X;
        }
        y += rowHeight + GAP_ROW;
        row = []; acc = 0;
      };
      for (const id of ids) {
        const w = size.get(id).w + GAP_X;
        if (row.length && acc + w > Math.max(target * 1.08, widest + GAP_X) && acc + w / 2 > target) flush();
        row.push(id); acc += w;
      }
      flush();
      y += GAP_RANK - GAP_ROW;
    }
    // Junctions sit in the gap just below what they lead into.
    const junctions = cy.nodes("[kind = 'link']");
    const belowCount = new Map();
    const pointFor = (j) => {
      const id = j.id();
      if (positions[id]) return positions[id];
      const ofId = j.data("of");
      const of = cy.getElementById(ofId);
      const at = of.data("kind") === "link" ? pointFor(of) : positions[ofId];
      const h = of.data("kind") === "link" ? 8 : size.get(ofId).h;
      const k = belowCount.get(ofId) || 0;
      belowCount.set(ofId, k + 1);
      // fan out several junctions under one node
      const dx = (k % 2 ? -1 : 1) * Math.ceil(k / 2) * 16;
      positions[id] = { x: at.x + dx, y: at.y + h / 2 + Math.min(GAP_ROW, GAP_RANK) / 2 + (j.data("junction") === "inference" ? 6 : 0) };
      return positions[id];
    };
    junctions.forEach((j) => pointFor(j));
    return positions;
  }

  // Start where the labels can be read: the whole graph when it fits at a
  // readable zoom, else the top rows (the frames) at that zoom.
  function initialView(cy) {
    cy.fit(undefined, 24);
    if (cy.zoom() > 1.25) cy.zoom({ level: 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
    if (cy.zoom() >= READABLE_ZOOM) { cy.center(); return; }
    const bb = cy.elements().boundingBox();
    cy.zoom(READABLE_ZOOM);
    cy.pan({ x: cy.width() / 2 - ((bb.x1 + bb.x2) / 2) * READABLE_ZOOM, y: 16 - bb.y1 * READABLE_ZOOM });
  }

  // The same nodes and their arguments as a list, for screen readers and keyboards.
  function buildList(elements) {
    const list = document.getElementById("graph-list");
    const countLabel = document.getElementById("graph-list-count");
    if (!list) return;
    const title = new Map(elements.nodes.map((n) => [n.data.id, n.data]));
    const into = new Map();
    const edgeById = new Map(elements.edges.map((e) => [e.data.id, e.data]));
    for (const e of elements.edges) {
      const d = e.data;
      const key = d.kind === "undercuts" ? d.target : d.target;
      if (!into.has(key)) into.set(key, []);
      into.get(key).push(d);
    }
    const link = (id) => {
      const a = document.createElement("a");
      const d = title.get(id);
      a.href = pageOf(d.kind, id);
      a.textContent = d.label;
      return a;
    };
    const fragment = document.createDocumentFragment();
    for (const n of elements.nodes) {
      const d = n.data;
      const li = document.createElement("li");
      li.dataset.key = d.id;
      li.append(link(d.id), ` (${d.kind})`);
      const args = into.get(d.id) || [];
      if (args.length) {
        const sub = document.createElement("ul");
        for (const a of args) {
          const item = document.createElement("li");
          item.dataset.kind = a.kind;
          if (a.kind === "undercuts") {
            const attacked = edgeById.get(a.target_edge);
            item.append("the step from ", link(attacked.source), ` (${attacked.kind.replace("_", " ")}) is undercut by `, link(a.source));
          } else {
            item.append(`${PHRASE[a.kind] || a.kind} `, link(a.source));
            if (a.group) item.append(` (linked premise “${a.group}”: works only together with the others of that group)`);
          }
          item.append(`, weight ${Math.round(a.weight * 100)} %`);
          sub.append(item);
        }
        li.append(sub);
      }
      fragment.append(li);
    }
    list.replaceChildren(fragment);
    if (countLabel) countLabel.textContent = `(${count(elements.nodes.length)} nodes, ${count(elements.edges.length)} arguments)`;
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
      if (big) info.textContent = "Zoom in to read every label; hover a node to read its title; click it to bring out its neighbours.";
      let drawn = elements;
      if (!big) {
        drawn = withJunctions(elements);
        for (const n of drawn.nodes) {
          if (n.data.kind === "link") continue;
          const { text, w, h } = wrap(n.data.label || n.data.id, n.data.kind);
          n.data = { ...n.data, text, w, h };
        }
      }
      const weightWidth = big ? "mapData(weight, 0, 1, 0.5, 4)" : "mapData(weight, 0, 1, 1, 6)";
      const cy = cytoscape({
        container: box,
        elements: { nodes: drawn.nodes, edges: drawn.edges },
        wheelSensitivity: 0.3,
        minZoom: 0.05,
        maxZoom: 4,
        textureOnViewport: big,
        hideEdgesOnViewport: big,
        style: [
          big
            ? { selector: "node", style: {
                label: "data(label)", "font-size": 9, "text-wrap": "ellipsis", "text-max-width": 120,
                "text-valign": "bottom", "text-margin-y": 3, width: 18, height: 18,
                // Hundreds of labels overlap into noise at the zoom that fits them
                // all: Cytoscape draws them once zoomed in past 1; frames' 12 px
                // labels show from the start, and hovering names any node.
                "min-zoomed-font-size": 10 } }
            : { selector: "node", style: {
                label: "data(text)", "font-family": FONT, "font-size": 11, "text-wrap": "wrap",
                "text-max-width": TEXT_WIDTH + 40, "text-valign": "center", "text-halign": "center",
                "line-height": 1.25, width: "data(w)", height: "data(h)", shape: "round-rectangle",
                "background-color": "#fff", "border-width": 1.5, color: "#1d1d1f" } },
          { selector: 'node[kind = "frame"]', style: big
              ? { shape: "diamond", "background-color": "#5b3fa0", width: 30, height: 30, "font-weight": "bold", "font-size": 12 }
              : { "background-color": "#5b3fa0", "border-color": "#3d2a6e", "border-width": 2, color: "#fff",
                  "font-weight": "bold", "font-size": TEXT.frame, shape: "cut-rectangle" } },
          { selector: 'node[kind = "crux"]', style: big
              ? { shape: "ellipse", "background-color": "#d08a00" }
              : { "background-color": "#fdf3df", "border-color": "#d08a00", "border-width": 3, "border-style": "double" } },
          { selector: 'node[kind = "claim"]', style: big
              ? { shape: "round-rectangle", "background-color": "#2f6f9f" }
              : { "background-color": "#e8f1f8", "border-color": "#2f6f9f", shape: "rectangle" } },
          ...(big ? [] : [{ selector: 'node[kind = "link"]', style: {
              label: "", width: 9, height: 9, shape: "ellipse", "background-color": "#333", "border-width": 0 } },
          { selector: 'node[junction = "inference"]', style: {
              "background-color": "#fff", "border-width": 2, "border-color": COLOURS.undercuts, width: 10, height: 10 } }]),
          { selector: "edge", style: {
              "curve-style": big ? "haystack" : "straight", "target-arrow-shape": "triangle", "arrow-scale": 1.1,
              width: weightWidth, "line-color": "#999", "target-arrow-color": "#999", opacity: 0.85 } },
          { selector: 'edge[kind = "supports"]', style: { "line-color": COLOURS.supports, "target-arrow-color": COLOURS.supports } },
          { selector: 'edge[kind = "undermines"]', style: {
              "line-color": COLOURS.undermines, "target-arrow-color": COLOURS.undermines, "target-arrow-shape": "tee" } },
          { selector: 'edge[kind = "subframe_of"]', style: {
              "line-style": "dashed", "line-color": COLOURS.subframe_of, "target-arrow-color": COLOURS.subframe_of } },
          { selector: 'edge[kind = "related"]', style: {
              "line-style": "dotted", "line-color": COLOURS.related, "target-arrow-shape": "none" } },
          { selector: 'edge[kind = "undercuts"]', style: {
              "line-style": "dashed", "line-dash-pattern": [6, 3], "line-color": COLOURS.undercuts,
              "target-arrow-color": COLOURS.undercuts, "target-arrow-shape": "tee" } },
          // a premise runs into its junction, and the junction's one arrow into the target
          ...(big ? [] : [{ selector: "edge[premise], edge[head]", style: { "target-arrow-shape": "none" } }]),
          { selector: ".faded", style: { opacity: 0.12 } },
          { selector: "node.focused", style: { "border-width": 4, "border-color": "#111", "border-style": "solid" } },
        ],
        layout: big
          ? { name: "concentric", concentric: (n) => -n.data("dist"), levelWidth: () => 1,
              minNodeSpacing: 6, fit: true, padding: 16, animate: false }
          : { name: "preset", fit: false },
      });
      if (!big) {
        const at = layered(cy);
        cy.nodes().positions((n) => at[n.id()]);
        initialView(cy);
      }
      performance.mark("graph:laid-out");

      // Click a node: its neighbourhood stands out, the rest fades; the panel opens it.
      function focusOn(n) {
        let hood = n.closedNeighborhood();
        // through junctions: the co-premises, the target and the undercut arrow
        hood.nodes("[kind = 'link']").forEach((j) => { hood = hood.union(j.closedNeighborhood()); });
        hood.nodes("[kind = 'link']").forEach((j) => { hood = hood.union(j.closedNeighborhood()); });
        cy.batch(() => {
          cy.elements().addClass("faded").removeClass("focused");
          hood.removeClass("faded");
          n.addClass("focused");
        });
        const kind = n.data("kind");
        const heading = document.createElement("p");
        const strong = document.createElement("strong");
        strong.textContent = n.data("label");
        heading.append(`${kind}: `, strong);
        const neighbours = hood.nodes("[kind != 'link']").length - 1;
        const open = document.createElement("a");
        open.href = pageOf(kind, n.id());
        open.dataset.testid = "graph-focus-open";
        open.textContent = `Open the ${kind}'s page`;
        const more = document.createElement("p");
        more.append(`${neighbours} neighbouring node${neighbours === 1 ? "" : "s"} shown; the rest is faded. `, open);
        focusPanel.replaceChildren(heading, more);
        focusPanel.hidden = false;
        unfocusButton.hidden = false;
        box.dataset.focus = n.id();
        const bb = hood.boundingBox();
        const outside = (p) => p.x1 < cy.extent().x1 || p.x2 > cy.extent().x2 || p.y1 < cy.extent().y1 || p.y2 > cy.extent().y2;
        if (outside(bb)) {
          const zoom = cy.zoom();
          cy.fit(hood, 40);
          if (cy.zoom() > Math.max(zoom, 1.1)) cy.zoom({ level: Math.max(zoom, 1.1), position: n.position() });
          cy.center(n);
        }
      }
      function unfocus() {
        cy.elements().removeClass("faded focused");
        focusPanel.hidden = true;
        unfocusButton.hidden = true;
        delete box.dataset.focus;
      }
      cy.on("tap", "node", (evt) => {
        const n = evt.target;
        if (n.data("kind") === "link") return;
        focusOn(n);
      });
      cy.on("tap", (evt) => { if (evt.target === cy) unfocus(); });
      document.addEventListener("keydown", (evt) => { if (evt.key === "Escape" && box.dataset.focus) unfocus(); });
      cy.on("mouseover", "node", (evt) => {
        if (evt.target.data("kind") === "link") {
          const j = evt.target;
          info.textContent = j.data("junction") === "linked"
            ? `linked premises (group “${j.data("group")}”): they bear on the target only together`
            : "the step from premise to conclusion that an undercut attacks";
          return;
        }
        info.textContent = `${evt.target.data("kind")}: ${evt.target.data("label")}`;
      });
      document.getElementById("graph-zoom-in").addEventListener("click", () =>
        cy.zoom({ level: cy.zoom() * 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } }));
      document.getElementById("graph-zoom-out").addEventListener("click", () =>
        cy.zoom({ level: cy.zoom() / 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } }));
      document.getElementById("graph-fit").addEventListener("click", () => cy.fit(undefined, 24));
      unfocusButton.addEventListener("click", unfocus);
      tools.hidden = false;
      // Ready when the first frame is on the canvas, not merely laid out.
      cy.one("render", () => {
        performance.mark("graph:drawn");
        box.dataset.renderMs = String(Math.round(performance.now() - started));
        box.dataset.nodes = String(cy.nodes("[kind != 'link']").length);
        box.setAttribute("data-ready", "1");
        // The list after the first drawing: it never delays the picture.
        setTimeout(() => {
          buildList(elements);
          document.getElementById("graph-list").dataset.ready = "1";
        }, 0);
      });
      window.argmapGraph = cy;
    })
    .catch((err) => { info.textContent = "The graph could not be loaded: " + err; });
})();
