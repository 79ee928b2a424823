import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { constants, inflateSync } from "node:zlib";
import { adler32 } from "./adler32.ts";
import { headerDictionary } from "./spdy-dictionary.ts";
import { SpdyClientSession, StoredDeflater } from "./spdy.ts";

const syncFlush = Buffer.from([0, 0, 0, 0xff, 0xff]);

test("the header dictionary is SPDY/3's (its Adler-32, as peers check it)", () => {
  assert.equal(headerDictionary.length, 1423);
  assert.equal(adler32(headerDictionary), 3821447106);
});

test("every header block ends with a sync-flush block, so a peer can read the next one", () => {
  const d = new StoredDeflater();
  const blocks = [
    d.block(Buffer.from("first headers")),
    d.block(Buffer.from("second")),
    d.block(Buffer.from("3")),
  ];
  for (const b of blocks) assert.deepEqual(b.subarray(-5), syncFlush);
  // The blocks are one zlib stream: inflated together with the dictionary they give back every block.
  const out = inflateSync(Buffer.concat(blocks), {
    dictionary: headerDictionary,
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  assert.equal(out.toString(), "first headerssecond3");
});

test("a session's streams get their data and ends; pings are answered", () => {
  const written: Buffer[] = [];
  const conn = new PassThrough();
  conn.write = ((chunk: Buffer) => {
    written.push(chunk);
    return true;
  }) as typeof conn.write;
  const s = new SpdyClientSession(conn);
  const stdout = s.open({ streamtype: "stdout" });
  const got: string[] = [];
  let ended = false;
  stdout.onData = (d) => got.push(d.toString());
  stdout.onEnd = () => (ended = true);
  // A data frame for stream 1 with FIN, split across two reads.
  const frame = Buffer.alloc(8 + 5);
  frame.writeUInt32BE(1, 0);
  frame.writeUInt32BE((0x01 << 24) | 5, 4);
  frame.write("hello", 8);
  conn.emit("data", frame.subarray(0, 3));
  conn.emit("data", frame.subarray(3));
  assert.deepEqual(got, ["hello"]);
  assert.ok(ended);
  const ping = Buffer.from([0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 7]);
  conn.emit("data", ping);
  assert.deepEqual(written.at(-1), ping);
});
