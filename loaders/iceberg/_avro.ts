import { createHash } from "node:crypto";
import avro from "avsc";

/**
 * An Avro object container file holding `records`, written with avsc. The schema keeps its extra attributes (Iceberg's
 * "field-id") in the header. The sync marker is derived from the contents, so the same records give the same bytes.
 */
export async function avroFile(schema: object, records: object[], metadata: Record<string, string>): Promise<Buffer> {
  const sync = createHash("sha256")
    .update(JSON.stringify([schema, records, metadata]))
    .digest()
    .subarray(0, 16);
  // avsc takes `metadata` (the header's key-value pairs) though its typings leave it out.
  const options = {
    codec: "deflate",
    syncMarker: sync,
    metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v, "utf8")])),
  };
  const encoder = new avro.streams.BlockEncoder(schema as avro.Schema, options);
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    encoder.on("data", (chunk: Buffer) => chunks.push(chunk));
    encoder.on("end", resolve);
    encoder.on("error", reject);
  });
  for (const r of records) encoder.write(r);
  encoder.end();
  await done;
  return Buffer.concat(chunks);
}
