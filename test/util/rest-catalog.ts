import { createServer } from "node:http";

/**
 * A small stand-in for an Iceberg REST catalog on 127.0.0.1: the namespace and register endpoints of the REST spec,
 * keeping what is registered in memory and every request in `requests`.
 */
export interface RestCatalogStub {
  url: string;
  /** "<namespace>.<table>" → its metadata location. */
  tables: Map<string, string>;
  requests: { method: string; path: string; authorization?: string; body?: Record<string, unknown> }[];
  close(): Promise<void>;
}

export async function restCatalogStub(): Promise<RestCatalogStub> {
  const namespaces = new Set<string>();
  const tables = new Map<string, string>();
  const requests: RestCatalogStub["requests"] = [];
  const server = createServer(async (req, res) => {
    let text = "";
    for await (const chunk of req) text += chunk;
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requests.push({ method: req.method!, path, authorization: req.headers.authorization, body });
    const send = (status: number, json?: unknown) => {
      res.writeHead(status, json === undefined ? {} : { "content-type": "application/json" });
      res.end(json === undefined ? undefined : JSON.stringify(json));
    };
    const notFound = (what: string) =>
      send(404, { error: { message: `${what} does not exist`, type: "NoSuchTableException", code: 404 } });
    const loaded = (key: string) => ({ "metadata-location": tables.get(key), metadata: {} });
    let m: RegExpExecArray | null;
    if (req.method === "POST" && path === "/v1/namespaces") {
      const ns = (body!.namespace as string[]).join(".");
      if (namespaces.has(ns)) return send(409, { error: { message: "exists", type: "AlreadyExists", code: 409 } });
      namespaces.add(ns);
      return send(200, { namespace: body!.namespace, properties: {} });
    }
    if ((m = /^\/v1\/namespaces\/([^/]+)\/register$/.exec(path)) && req.method === "POST") {
      const key = `${m[1]}.${body!.name as string}`;
      if (!namespaces.has(m[1]!)) return notFound(`namespace ${m[1]}`);
      if (tables.has(key) && !body!.overwrite)
        return send(409, { error: { message: `${key} exists`, type: "AlreadyExists", code: 409 } });
      tables.set(key, body!["metadata-location"] as string);
      return send(200, loaded(key));
    }
    if ((m = /^\/v1\/namespaces\/([^/]+)\/tables\/([^/]+)$/.exec(path))) {
      const key = `${m[1]}.${m[2]}`;
      if (!tables.has(key)) return req.method === "HEAD" ? send(404) : notFound(key);
      return req.method === "HEAD" ? send(204) : send(200, loaded(key));
    }
    send(400, { error: { message: `the stub has no ${req.method} ${path}`, type: "BadRequest", code: 400 } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    tables,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
