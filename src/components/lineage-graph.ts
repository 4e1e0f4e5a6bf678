import * as Plot from "@observablehq/plot";
import type { LineageGraph, LineageNode } from "../../loaders/site/lineage.ts";
import { STATUS_FILLS } from "./quality-status.js";

export interface LineageGraphOptions {
  width?: number;
  /** The node selected at first (e.g. from the page's #hash). */
  selected?: string | null;
  /** A node's fill; by default versions are coloured by their check status (see quality-status.ts). */
  fill?: (node: LineageNode) => string;
}

const KIND_FILL: Record<Exclude<LineageNode["kind"], "version">, string> = { source: "#e8e3f4", dataset: "#dbeafe" };
const PINNED = "#0f172a";
const defaultFill = (n: LineageNode) => (n.kind === "version" ? STATUS_FILLS[n.quality] : KIND_FILL[n.kind]);
const ROW = 64;

/**
 * The lineage graph: sources, datasets and versions in layers from left to right, edges from inputs to outputs.
 * Clicking a node selects it: the element's `value` becomes the node and an "input" event fires, so a page can use
 * it with `view()`.
 */
export function lineageGraph(graph: LineageGraph, options: LineageGraphOptions = {}): HTMLElement {
  const layers = groupByLayer(graph.nodes);
  const rows = Math.max(1, ...[...layers.values()].map((l) => l.length));
  const pos = new Map<string, { x: number; y: number }>();
  for (const [layer, nodes] of layers) {
    nodes.forEach((n, i) => pos.set(n.id, { x: layer, y: i + (rows - nodes.length) / 2 }));
  }
  const nodes = graph.nodes.map((n) => ({ ...n, ...pos.get(n.id)! }));
  const links = graph.edges
    .filter((e) => pos.has(e.from) && pos.has(e.to))
    .map((e) => ({ ...e, a: pos.get(e.from)!, b: pos.get(e.to)! }));
  const fill = options.fill ?? defaultFill;
  const container = Object.assign(document.createElement("div"), { value: null as LineageNode | null });
  container.className = "labbook-lineage-graph";
  let selected = options.selected ?? null;

  const select = (id: string) => {
    selected = id;
    container.value = graph.nodes.find((n) => n.id === id) ?? null;
    draw();
    container.dispatchEvent(new Event("input", { bubbles: true }));
  };
  // Plot marks are drawn in index order; attach a click handler to each drawn node.
  const clickable: Plot.RenderFunction = function (index, scales, values, dimensions, context, next) {
    const g = next!(index, scales, values, dimensions, context)!;
    const drawn = [...g.querySelectorAll(":scope > *")];
    drawn.forEach((element, k) => {
      const node = nodes[index[k]!]!;
      element.setAttribute("data-node", node.id);
      if (node.kind === "version") element.setAttribute("data-status", node.quality);
      (element as SVGElement).style.cursor = "pointer";
      element.addEventListener("click", () => select(node.id));
    });
    return g;
  };

  function draw() {
    const width = options.width ?? 900;
    const plot = Plot.plot({
      width,
      height: rows * ROW + 40,
      margin: 20,
      x: { axis: null, domain: [-0.5, Math.max(...nodes.map((n) => n.x)) + 0.5] },
      y: { axis: null, domain: [rows - 0.5, -0.5] },
      marks: [
        Plot.link(links, {
          x1: (l) => l.a.x + 0.36,
          y1: (l) => l.a.y,
          x2: (l) => l.b.x - 0.36,
          y2: (l) => l.b.y,
          curve: "bump-x",
          stroke: "currentColor",
          strokeOpacity: 0.35,
          markerEnd: "arrow",
        }),
        Plot.rect(nodes, {
          x1: (n) => n.x - 0.36,
          x2: (n) => n.x + 0.36,
          y1: (n) => n.y - 0.36,
          y2: (n) => n.y + 0.36,
          fill: (n) => fill(n),
          stroke: (n) => (n.id === selected ? "#2563eb" : n.kind === "version" && n.pinned ? PINNED : "#94a3b8"),
          strokeWidth: (n) => (n.id === selected ? 3 : n.kind === "version" && n.pinned ? 2.5 : 1),
          rx: 6,
          render: clickable,
        }),
        Plot.text(nodes, {
          x: "x",
          y: "y",
          text: label,
          fontSize: 10,
          lineHeight: 1.2,
          lineWidth: 30,
          fill: "black",
          // Clicks fall through the labels to the node's box.
          pointerEvents: "none",
        }),
      ],
    });
    container.replaceChildren(plot);
  }
  draw();
  container.value = graph.nodes.find((n) => n.id === selected) ?? null;
  return container;
}

function label(n: LineageNode): string {
  if (n.kind === "source") {
    // "db.schema.Table": the table first, then where it lives.
    const dot = n.label.lastIndexOf(".");
    return dot < 0
      ? `${n.label}\n${n.namespace}`
      : `${n.label.slice(dot + 1)}\n${n.label.slice(0, dot)}\n${n.namespace}`;
  }
  if (n.kind === "dataset") return n.label;
  const commit = n.commit ? `git ${n.commit.slice(0, 7)}` : "no git";
  return `@${n.version.slice(7, 19)} · ${n.quality}\n${n.rows.toLocaleString("en")} rows · ${n.created.slice(0, 10)}\n${commit}${n.pinned ? " · pinned" : ""}`;
}

function groupByLayer(nodes: LineageNode[]): Map<number, LineageNode[]> {
  const out = new Map<number, LineageNode[]>();
  for (const n of nodes) out.set(n.layer, [...(out.get(n.layer) ?? []), n]);
  return new Map([...out].sort(([a], [b]) => a - b));
}
