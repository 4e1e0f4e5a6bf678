import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRemote } from "../../loaders/remote/index.ts";
import { push, pushSelection } from "../../loaders/remote/push.ts";
import { runCli } from "../util/cli.ts";
import { icebergReader, type IcebergReader } from "../util/iceberg.ts";
import { createProject, makeVersion, type TestProject } from "../util/project.ts";
import { DAY, expectSnapshotsAsSql, makeVersionWithoutIds, rowsSql, setPins, T0 } from "./_tables.ts";

describe("labbook iceberg on an S3 warehouse (s3rver)", () => {
  let s3: { server: S3rver; dir: string; port: number };
  let project: TestProject;
  let env: Record<string, string>;
  let reader: IcebergReader;
  const versions: string[] = [];
  let unpushed: string;
  let pins: Record<string, Record<string, string>>;

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "labbook-s3rver-"));
    // An S3-compatible server on loopback only, on a port the system picks.
    const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir });
    const { port } = await server.run();
    s3 = { server, dir, port };
    const s3env = {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_REGION: "us-east-1",
    };
    const client = new S3Client({
      endpoint: s3env.AWS_ENDPOINT_URL,
      region: s3env.AWS_REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    await client.send(new CreateBucketCommand({ Bucket: "lab" }));
    client.destroy();

    project = await createProject({ remote: "s3://lab/store" });
    env = { ...project.env, ...s3env };
    versions.push(await makeVersionWithoutIds(project, "events", rowsSql(5), T0));
    versions.push(await makeVersion(project.config, "events", rowsSql(7), T0 + DAY));
    versions.push(await makeVersion(project.config, "events", rowsSql(6, ", i * 2 AS twice"), T0 + 2 * DAY));
    pins = { "exp-a": { events: versions[0]! }, "exp-b": { events: versions[1]! } };
    await setPins(project, pins);
    const remote = openRemote(project.config, { ...process.env, ...env });
    try {
      await push(project.config, remote, await pushSelection(project.config, "all"));
    } finally {
      remote.close();
    }
    // Made after the push: the remote lacks it, so an S3 warehouse cannot list it.
    unpushed = await makeVersion(project.config, "events", rowsSql(2), T0 + 3 * DAY);
    reader = await icebergReader({ files: [], s3Port: port });
  });
  afterAll(async () => {
    await reader?.close();
    await project?.remove();
    await s3?.server.close();
    if (s3) await rm(s3.dir, { recursive: true, force: true });
  });

  it("lists the remote's objects, and reads back like the directory warehouse", async () => {
    const r = await runCli(["iceberg", "--warehouse", "s3://lab/iceberg", "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    const [table] = JSON.parse(r.stdout).tables;
    expect(table).toMatchObject({ written: true, added: versions, snapshots: 3, current: versions[2] });
    expect(table.skipped).toEqual([{ version: unpushed, reason: "not on the remote (labbook push it)" }]);
    const url = "s3://lab/iceberg/events";
    const meta = await reader.metadata(url);
    const file = (meta.snapshots[0] as unknown as { "manifest-list": string })["manifest-list"];
    expect(file.startsWith("s3://lab/iceberg/events/metadata/snap-")).toBe(true);
    await expectSnapshotsAsSql(reader, url, project, pins, versions);
  });

  it("writes nothing the second time", async () => {
    const keys = async () => {
      const remote = openRemote({ ...project.config, remote: "s3://lab/iceberg" }, { ...process.env, ...env });
      try {
        return [...(await remote.list("events/"))].sort();
      } finally {
        remote.close();
      }
    };
    const before = await keys();
    const r = await runCli(["iceberg", "--warehouse", "s3://lab/iceberg", "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tables[0].written).toBe(false);
    expect(await keys()).toEqual(before);
  });
});
