// The import rules `npm run check` enforces on loaders/: no cycles, and no layer imports a layer above it.

/**
 * The layers of loaders/, lowest first: data flows from the sources through versions and pins to the loaders and
 * pages, and each layer may import only its own and lower ones. The top-level modules (errors, config, log, SQL
 * quoting, the lock, …) are the base every layer uses.
 */
const layers = [
  ["(base)"],
  ["analysis"],
  ["sources"],
  ["seed", "datasets"],
  ["lineage"],
  ["store"],
  ["quality"],
  ["ingest", "remote"],
  ["pipeline", "deliver", "iceberg"],
  ["experiments"],
  ["site"],
  ["cli"],
];

const pathOf = (folders) => folders.map((f) => (f === "(base)" ? "^loaders/[^/]+$" : `^loaders/${f}/`)).join("|");

const upward = layers.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer.join("-").replace(/[()]/g, "")}`,
  severity: "error",
  comment: `${layer.join(", ")} must not import a layer above it (${layers
    .slice(i + 1)
    .flat()
    .join(", ")}).`,
  from: { path: pathOf(layer) },
  to: { path: pathOf(layers.slice(i + 1).flat()) },
}));

/** @type {import("dependency-cruiser").IConfiguration} */
export default {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Modules never import each other in a loop, type-only and dynamic imports included.",
      from: {},
      to: { circular: true },
    },
    ...upward,
    {
      name: "no-app-from-loaders",
      severity: "error",
      comment: "loaders/ is the library: it never imports the site (src/), the benchmarks or the tests.",
      from: { path: "^loaders/" },
      to: { path: "^(src|bench|test)/" },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|dist|data)/" },
  },
};
