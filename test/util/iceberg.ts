import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { icebergMetadata, icebergRead } from "icebird";

/**
 * Reads Iceberg tables with icebird, an implementation labbook did not write. icebird fetches every URL the metadata
 * names; `routes` send them to loopback: file:// paths under `files` roots through a small HTTP server, and S3 URLs
 * (which icebird turns into https://<bucket>.s3.amazonaws.com/…) to s3rver.
 */
export interface IcebergReader {
  /** The rows of a table's snapshot: the current one, the one a tag names, or one by id. */
  read(tableUrl: string, at?: { tag?: string; snapshotId?: number }): Promise<Record<string, unknown>[]>;
  metadata(tableUrl: string): Promise<IcebergMetadata>;
  close(): Promise<void>;
}

export interface IcebergMetadata {
  "current-snapshot-id": number;
  "current-schema-id": number;
  schemas: { "schema-id": number; fields: { id: number; name: string; type: string }[] }[];
  snapshots: { "snapshot-id": number; "schema-id": number; summary: Record<string, string> }[];
  refs: Record<string, { "snapshot-id": number; type: string }>;
  properties: Record<string, string>;
}

export async function icebergReader(options: { files: string[]; s3Port?: number }): Promise<IcebergReader> {
  const server = createServer((req, res) => {
    const file = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const allowed = options.files.some((root) => file.startsWith(root + path.sep));
    if (!allowed || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    // Ranges as S3 serves them: hyparquet reads a Parquet footer, then the column chunks it needs.
    const size = statSync(file).size;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    res.writeHead(range ? 206 : 200, {
      "content-length": end - start + 1,
      ...(range ? { "content-range": `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === "HEAD") res.end();
    else createReadStream(file, { start, end }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const route = (url: string): string => {
    if (url.startsWith("file://")) return `http://127.0.0.1:${port}${url.slice("file://".length)}`;
    const s3 = /^https:\/\/([^/]+)\.s3\.amazonaws\.com\/(.*)$/.exec(url);
    if (s3 && options.s3Port) return `http://127.0.0.1:${options.s3Port}/${s3[1]}/${s3[2]}`;
    throw new Error(`the test reader routes no such URL: ${url}`);
  };
  const routed = async <T>(fn: () => Promise<T>): Promise<T> => {
    const real = globalThis.fetch;
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) =>
      real(
        route(typeof input === "string" ? input : input instanceof URL ? input.href : input.url),
        init,
      )) as typeof fetch;
    try {
      return await fn();
    } finally {
      globalThis.fetch = real;
    }
  };
  const metadata = (tableUrl: string) =>
    routed(() => icebergMetadata({ tableUrl })) as unknown as Promise<IcebergMetadata>;
  return {
    metadata,
    async read(tableUrl, at = {}) {
      const meta = await metadata(tableUrl);
      const id = at.tag ? meta.refs[at.tag]?.["snapshot-id"] : (at.snapshotId ?? meta["current-snapshot-id"]);
      const snapshot = meta.snapshots.find((s) => s["snapshot-id"] === id);
      if (!snapshot) throw new Error(`no snapshot for ${JSON.stringify(at)}`);
      // icebird reads the current snapshot with the current schema: point both at the snapshot asked for, as an
      // engine's time travel does.
      const pointed = { ...meta, "current-snapshot-id": id, "current-schema-id": snapshot["schema-id"] };
      return routed(() => icebergRead({ tableUrl, metadata: pointed as never }));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
