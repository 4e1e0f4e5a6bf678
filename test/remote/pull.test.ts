import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { recordPath } from "../../loaders/lineage/catalog.ts";
import { pin } from "../../loaders/lineage/pin.ts";
import { openRemote } from "../../loaders/remote/index.ts";
import { objectKey, recordKey } from "../../loaders/store/remote.ts";
import { objectPath } from "../../loaders/store/objects.ts";
import { shortVersion } from "../../loaders/lineage/version.ts";
import { runCli } from "../util/cli.ts";
import { createProject, flipByte, makeVersion, protocolsSql, type TestProject } from "../util/project.ts";

const T0 = Date.parse("2025-07-01T00:00:00Z");
const EP = "experiment_protocols";
const PH = "phase_assignments";

interface RemoteKind {
  name: string;
  /** A fresh, empty remote: its LABBOOK_REMOTE and any other variables labbook needs to reach it. */
  make(): Promise<{ url: string; env: Record<string, string> }>;
}

let s3: { server: S3rver; dir: string; port: number };
let buckets = 0;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "labbook-s3rver-"));
  // An S3-compatible server on loopback only, on a port the system picks.
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir });
  const { port } = await server.run();
  s3 = { server, dir, port };
});
afterAll(async () => {
  await s3?.server.close();
  if (s3) await rm(s3.dir, { recursive: true, force: true });
});

const kinds: RemoteKind[] = [
  {
    name: "directory",
    async make() {
      return { url: await mkdtemp(path.join(tmpdir(), "labbook-remote-")), env: {} };
    },
  },
  {
    name: "S3-compatible",
    async make() {
      const bucket = `labbook-${++buckets}`;
      const env = {
        AWS_ENDPOINT_URL: `http://127.0.0.1:${s3.port}`,
        AWS_ACCESS_KEY_ID: "S3RVER",
        AWS_SECRET_ACCESS_KEY: "S3RVER",
        AWS_REGION: "us-east-1",
      };
      const client = new S3Client({
        endpoint: env.AWS_ENDPOINT_URL,
        region: env.AWS_REGION,
        forcePathStyle: true,
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
      });
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      client.destroy();
      return { url: `s3://${bucket}/team/store`, env };
    },
  },
];

describe.each(kinds)("push and pull with a $name remote", (kind) => {
  let p: TestProject;
  let env: Record<string, string>;
  let e1: string;
  let e2: string;
  let ph: string;
  const cli = (...args: string[]) => runCli(args, env);

  beforeEach(async () => {
    const remote = await kind.make();
    p = await createProject({ remote: remote.url });
    env = { ...p.env, ...remote.env };
    e1 = await makeVersion(p.config, EP, protocolsSql(40), T0);
    e2 = await makeVersion(p.config, EP, protocolsSql(50), T0 + 1000);
    ph = await makeVersion(p.config, PH, protocolsSql(30), T0 + 2000);
    await pin(p.config, "default", [
      { dataset: EP, version: e2 },
      { dataset: PH, version: ph },
    ]);
  });
  afterEach(async () => {
    await p.remove();
  });

  const remoteKeys = async () => {
    const remote = openRemote({ ...p.config, remote: env.LABBOOK_REMOTE }, { ...process.env, ...env });
    try {
      const objects = [...(await remote.list("objects/")).keys()].sort();
      const records = [...(await remote.list("lineage/")).keys()].sort();
      return { objects, records };
    } finally {
      remote.close();
    }
  };

  it("pushes only what the pins need, pulls it back into an empty store, and verify passes", async () => {
    let r = await cli("push", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ present: 0, records: 2 });
    expect(await remoteKeys()).toEqual({
      objects: [objectKey(e2), objectKey(ph)].sort(),
      records: [recordKey(EP, e2), recordKey(PH, ph)].sort(),
    });
    // Idempotent: nothing moves the second time.
    r = await cli("push", "--json");
    expect(JSON.parse(r.stdout)).toMatchObject({ pushed: [], present: 2, records: 0 });

    await rm(p.config.dataDir, { recursive: true });
    await rm(path.join(p.config.lineageDir, PH), { recursive: true });
    r = await cli("pull", "--json");
    expect(r.code, r.stderr).toBe(0);
    const pulled = JSON.parse(r.stdout);
    expect(pulled.pulled.map((x: { version: string }) => x.version).sort()).toEqual([e2, ph].sort());
    expect(pulled.records).toBe(1);
    expect(existsSync(recordPath(p.config.lineageDir, PH, ph))).toBe(true);
    expect(existsSync(objectPath(p.config.dataDir, e1))).toBe(false);

    r = await cli("verify", "--json");
    expect(r.code, r.stdout).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      checked: 2,
      absent: [{ version: e1, reason: "not-local" }],
    });
    expect(await readdir(path.join(p.config.dataDir, "tmp"))).toEqual([]);
  });

  it("refuses a corrupt remote object, names it, exits 1 and never stores it", async () => {
    expect((await cli("push")).code).toBe(0);
    const good = await readFile(objectPath(p.config.dataDir, e2));
    const bad = Buffer.from(good);
    bad[bad.length >> 1]! ^= 0xff;
    const remote = openRemote({ ...p.config, remote: env.LABBOOK_REMOTE }, { ...process.env, ...env });
    await remote.upload(objectKey(e2), Readable.from([bad]), bad.length, () => {});
    remote.close();

    await rm(p.config.dataDir, { recursive: true });
    const r = await cli("pull");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: pull refused 1 corrupt object(s)");
    expect(r.stderr).toContain(`${EP}@${shortVersion(e2)}: remote object ${objectKey(e2)} is corrupt`);
    expect(existsSync(objectPath(p.config.dataDir, e2))).toBe(false);
    // The intact one still arrived; no temp file was left behind.
    expect(existsSync(objectPath(p.config.dataDir, ph))).toBe(true);
    expect(await readdir(path.join(p.config.dataDir, "tmp"))).toEqual([]);
  });

  it("refuses a remote lineage record whose size disagrees with the object's bytes, and never stores it", async () => {
    const pushed = await cli("push");
    expect(pushed.code, pushed.stderr).toBe(0);
    const record = JSON.parse(await readFile(recordPath(p.config.lineageDir, PH, ph), "utf8"));
    const size = record.outputs[0].outputFacets.outputStatistics.size as number;
    record.outputs[0].outputFacets.outputStatistics.size = size + 1;
    const text = Buffer.from(JSON.stringify(record));
    const remote = openRemote({ ...p.config, remote: env.LABBOOK_REMOTE }, { ...process.env, ...env });
    await remote.upload(recordKey(PH, ph), Readable.from([text]), text.length, () => {});
    remote.close();

    await rm(p.config.dataDir, { recursive: true });
    await rm(path.join(p.config.lineageDir, PH), { recursive: true });
    const r = await cli("pull", "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: "E_INTEGRITY",
      message: `pull refused 1 corrupt object(s) or lineage record(s) from ${env.LABBOOK_REMOTE}`,
    });
    expect(JSON.parse(r.stdout).error.details[0]).toBe(
      `${PH}@${shortVersion(ph)}: remote lineage record ${recordKey(PH, ph)} gives a size of ${size + 1} bytes, ` +
        `but the object has ${size}; refused`,
    );
    expect(existsSync(recordPath(p.config.lineageDir, PH, ph))).toBe(false);
    // The object itself hashed to its version, so it was admitted; the other version arrived whole.
    expect(existsSync(objectPath(p.config.dataDir, ph))).toBe(true);
    expect(existsSync(objectPath(p.config.dataDir, e2))).toBe(true);
  });

  it("refuses a remote lineage record whose row count or schema disagrees with the object's footer", async () => {
    const pushed = await cli("push");
    expect(pushed.code, pushed.stderr).toBe(0);
    const record = JSON.parse(await readFile(recordPath(p.config.lineageDir, PH, ph), "utf8"));
    record.outputs[0].outputFacets.outputStatistics.rowCount = 31;
    record.outputs[0].facets.schema.fields[0].type = "BIGINT";
    const text = Buffer.from(JSON.stringify(record));
    const remote = openRemote({ ...p.config, remote: env.LABBOOK_REMOTE }, { ...process.env, ...env });
    await remote.upload(recordKey(PH, ph), Readable.from([text]), text.length, () => {});
    remote.close();

    await rm(p.config.dataDir, { recursive: true });
    await rm(path.join(p.config.lineageDir, PH), { recursive: true });
    const r = await cli("pull", "--json");
    expect(r.code).toBe(1);
    const detail: string = JSON.parse(r.stdout).error.details[0];
    expect(detail).toMatch(
      new RegExp(
        `^${PH}@${shortVersion(ph)}: remote lineage record ${recordKey(PH, ph)} gives a row count of 31, but the ` +
          `object has 30 rows; and the schema \\(id BIGINT, .*\\), but the object's is \\(id VARCHAR, .*\\); refused$`,
      ),
    );
    expect(existsSync(recordPath(p.config.lineageDir, PH, ph))).toBe(false);
    expect(existsSync(recordPath(p.config.lineageDir, EP, e2))).toBe(true);
  });

  it("moves an object two pinned datasets share once each way, with both lineage records", async () => {
    // The same rows give the same bytes: phase_assignments pins e1's very object.
    const shared = await makeVersion(p.config, PH, protocolsSql(40), T0 + 3000);
    expect(shared).toBe(e1);
    await pin(p.config, "default", [
      { dataset: EP, version: e1 },
      { dataset: PH, version: e1 },
    ]);
    let r = await cli("push", "--json");
    expect(r.code, r.stderr).toBe(0);
    const size = (await readFile(objectPath(p.config.dataDir, e1))).length;
    expect(JSON.parse(r.stdout)).toMatchObject({
      pushed: [{ version: e1, size }],
      present: 0,
      records: 2,
      bytes: size,
    });
    expect(await remoteKeys()).toEqual({
      objects: [objectKey(e1)],
      records: [recordKey(EP, e1), recordKey(PH, e1)].sort(),
    });

    await rm(p.config.dataDir, { recursive: true });
    await rm(path.join(p.config.lineageDir, EP), { recursive: true });
    await rm(path.join(p.config.lineageDir, PH), { recursive: true });
    r = await cli("pull", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      pulled: [{ version: e1, size }],
      present: 0,
      records: 2,
      bytes: size,
    });
    expect(existsSync(recordPath(p.config.lineageDir, EP, e1))).toBe(true);
    expect(existsSync(recordPath(p.config.lineageDir, PH, e1))).toBe(true);
    expect((await cli("verify")).code).toBe(0);
  });

  it("names each dataset that pins a corrupt shared object, and counts the object once", async () => {
    await makeVersion(p.config, PH, protocolsSql(40), T0 + 3000);
    await pin(p.config, "default", [
      { dataset: EP, version: e1 },
      { dataset: PH, version: e1 },
    ]);
    expect((await cli("push")).code).toBe(0);
    const bad = await readFile(objectPath(p.config.dataDir, e1));
    bad[bad.length >> 1]! ^= 0xff;
    const remote = openRemote({ ...p.config, remote: env.LABBOOK_REMOTE }, { ...process.env, ...env });
    await remote.upload(objectKey(e1), Readable.from([bad]), bad.length, () => {});
    remote.close();

    await rm(p.config.dataDir, { recursive: true });
    const r = await cli("pull", "--json");
    expect(r.code).toBe(1);
    const error = JSON.parse(r.stdout).error;
    expect(error).toMatchObject({
      code: "E_INTEGRITY",
      message: `pull refused 1 corrupt object(s) or lineage record(s) from ${env.LABBOOK_REMOTE}`,
    });
    // One error, one object: each dataset that pins it is named, then what to do.
    expect(error.details).toEqual([
      ...[EP, PH].map((d) =>
        expect.stringContaining(`${d}@${shortVersion(e1)}: remote object ${objectKey(e1)} is corrupt`),
      ),
      "Nothing corrupt was stored; re-run to retry the others.",
    ]);
    expect(existsSync(objectPath(p.config.dataDir, e1))).toBe(false);
  });

  it("pushes only the named pin set's objects with --pins", async () => {
    await pin(p.config, "other", [{ dataset: EP, version: e1 }]);
    const r = await cli("push", "--pins", "other", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ pushed: [{ dataset: EP, version: e1 }], present: 0, records: 1 });
    expect(await remoteKeys()).toEqual({ objects: [objectKey(e1)], records: [recordKey(EP, e1)] });
  });

  it("does not publish a corrupt local object on push", async () => {
    const file = objectPath(p.config.dataDir, ph);
    const bytes = await readFile(file);
    bytes[bytes.length >> 1]! ^= 0xff;
    const { writeFile } = await import("node:fs/promises");
    await writeFile(file, bytes);
    const r = await cli("push");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${PH}@${shortVersion(ph)}: the local object is corrupt`);
    expect((await remoteKeys()).objects).toEqual([objectKey(e2)]);
  });

  it("repairs a corrupt local object on pull: the remote's good copy replaces it", async () => {
    expect((await cli("push")).code).toBe(0);
    const file = objectPath(p.config.dataDir, ph);
    const good = await readFile(file);
    await flipByte(file);
    let r = await cli("sql", "SELECT count(*) FROM phase_assignments");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${PH}@${shortVersion(ph)} is corrupt: ${file}`);
    r = await cli("pull", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).pulled).toEqual([{ dataset: PH, version: ph, size: good.length }]);
    expect((await readFile(file)).equals(good)).toBe(true);
    expect((await cli("sql", "SELECT count(*) FROM phase_assignments")).code).toBe(0);
  });

  it("pulls the pins of an older revision with --rev", async () => {
    await p.git("init", "-q", "-b", "main");
    await p.commitLineage("e2 pinned");
    await p.git("tag", "v1");
    await pin(p.config, "default", [{ dataset: EP, version: e1 }]);
    expect((await cli("push", "--all")).code).toBe(0);
    await rm(p.config.dataDir, { recursive: true });
    const r = await cli("pull", "--rev", "v1", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(
      JSON.parse(r.stdout)
        .pulled.map((x: { version: string }) => x.version)
        .sort(),
    ).toEqual([e2, ph].sort());
    expect(existsSync(objectPath(p.config.dataDir, e1))).toBe(false);
  });
});
