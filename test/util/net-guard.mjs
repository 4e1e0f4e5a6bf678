// Preloaded with `node --import` (through NODE_OPTIONS, so child processes inherit it): records every outbound
// TCP connection and DNS lookup to the file named by LABBOOK_NET_LOG. Tests assert the file stays empty.
import dns from "node:dns";
import { appendFileSync } from "node:fs";
import net from "node:net";
import process from "node:process";

const log = process.env.LABBOOK_NET_LOG;
const record = (what) => {
  if (log) appendFileSync(log, `${process.pid} ${what} (${process.argv.slice(1, 3).join(" ")})\n`);
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const options =
    typeof args[0] === "object" && args[0] !== null ? (Array.isArray(args[0]) ? args[0][0] : args[0]) : null;
  const port = options ? options.port : args[0];
  const host = options ? options.host : typeof args[1] === "string" ? args[1] : undefined;
  // Unix sockets and pipes (options.path, or a string first argument) are local by nature.
  if (!(options?.path || (typeof args[0] === "string" && Number.isNaN(Number(args[0])))))
    record(`tcp ${host ?? "localhost"}:${port}`);
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function (hostname, ...rest) {
  record(`dns ${hostname}`);
  return lookup.call(this, hostname, ...rest);
};
const promisesLookup = dns.promises.lookup;
dns.promises.lookup = function (hostname, ...rest) {
  record(`dns ${hostname}`);
  return promisesLookup.call(this, hostname, ...rest);
};
