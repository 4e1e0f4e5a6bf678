import { Readable } from "node:stream";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { LabbookError } from "../errors.ts";
import { deadRemoteTemp, remoteTempName } from "../debris.ts";
import type { Remote } from "../store/remote.ts";

/** Parses s3://bucket/prefix; the prefix gets a trailing slash, or is empty. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m)
    throw new LabbookError(`invalid LABBOOK_REMOTE "${url}": expected s3://<bucket>/<prefix>`, { code: "E_CONFIG" });
  const prefix = (m[2] ?? "").replace(/^\/+|\/+$/g, "");
  return { bucket: m[1]!, prefix: prefix ? `${prefix}/` : "" };
}

/**
 * An S3 or S3-compatible bucket. Endpoint, region and credentials come from the usual AWS variables
 * (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, or a profile).
 */
export function s3Remote(url: string, env: NodeJS.ProcessEnv = process.env): Remote {
  const { bucket, prefix } = parseS3Url(url);
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const client = new S3Client({
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1",
    endpoint,
    // Custom endpoints (MinIO, s3rver, Ceph…) rarely serve virtual-hosted bucket names.
    forcePathStyle: Boolean(endpoint),
    // Keys in `env` win; without them the SDK's default chain (environment, profile, SSO, instance role) applies.
    credentials:
      env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            sessionToken: env.AWS_SESSION_TOKEN || undefined,
          }
        : undefined,
    // S3-compatible servers often reject the SDK's newer default checksums; labbook checks sha256 itself.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const fail = (what: string, e: unknown): never => {
    if (e instanceof LabbookError) throw e;
    if ((e as Error)?.name === "AbortError") throw e;
    throw new LabbookError(`${what} on ${url}: ${(e as Error)?.name ?? "Error"}: ${(e as Error)?.message}`, {
      code: "E_REMOTE",
      cause: e,
    });
  };
  // The temp keys that uploads of this host left when their process died (debris.ts), removed once per remote.
  let sweeping: Promise<void> | undefined;
  const sweepTemps = async () => {
    const keys = await client
      .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}tmp-` }))
      .then((page) => (page.Contents ?? []).map((o) => o.Key!))
      .catch(() => []);
    for (const key of keys)
      if (deadRemoteTemp(key.slice(prefix.length + 4)))
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => {});
  };
  return {
    url,
    async list(sub, signal) {
      const out = new Map<string, number>();
      let token: string | undefined;
      try {
        do {
          const page = await client.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix + sub, ContinuationToken: token }),
            { abortSignal: signal },
          );
          for (const o of page.Contents ?? []) out.set(o.Key!.slice(prefix.length), o.Size ?? 0);
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      } catch (e) {
        fail(`listing ${sub}`, e);
      }
      return out;
    },
    async upload(key, body, size, check, signal) {
      // S3 has no rename: upload to a temp key, then copy server-side once the bytes are known to be right. The key
      // sits beside objects/, not in a tmp/ "folder": stores on a filesystem (s3rver, some gateways) remove a folder
      // when its last key goes, which can race another upload into that folder.
      const tmp = `${prefix}tmp-${remoteTempName()}`;
      sweeping ??= sweepTemps();
      try {
        await sweeping;
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: tmp, Body: body, ContentLength: size }), {
          abortSignal: signal,
        });
        check();
        await client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: prefix + key,
            CopySource: `${bucket}/${encodeURIComponent(tmp).replaceAll("%2F", "/")}`,
          }),
          { abortSignal: signal },
        );
      } catch (e) {
        fail(`uploading ${key}`, e);
      } finally {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: tmp })).catch(() => {});
      }
    },
    async download(key, signal) {
      try {
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + key }), {
          abortSignal: signal,
        });
        return got.Body as Readable;
      } catch (e) {
        if (
          (e as Error)?.name === "NoSuchKey" ||
          (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
        )
          throw new LabbookError(`not on the remote: ${key}`, { code: "E_NOT_FOUND" });
        return fail(`downloading ${key}`, e);
      }
    },
    close() {
      client.destroy();
    },
  };
}
