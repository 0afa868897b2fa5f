// Reads a WARC file with warcio and recomputes every digest:
// node check-warc.js FILE.warc.gz [MIN_RESPONSES [MIN_REVISITS]]
'use strict';
const fs = require('fs');
const crypto = require('crypto');

(async () => {
  const { WARCParser } = await import('warcio');
  const [file, minResp, minRevisits] = process.argv.slice(2);
  const failures = [];
  const counts = {};
  let digests = 0;
  const payloads = new Set();

  // sha1:BASE32 (or sha256:...) of bytes, in the record's own notation.
  function digestOf(spec, bytes) {
    const [algo, value] = spec.split(':');
    const h = crypto.createHash(algo === 'sha1' ? 'sha1' : algo).update(bytes).digest();
    if (/^[0-9a-f]+$/i.test(value) && value.length === h.length * 2) return `${algo}:${h.toString('hex')}`;
    return `${algo}:${base32(h)}`;
  }
  function base32(buf) {
    const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    let bits = 0, val = 0, out = '';
    for (const b of buf) {
      val = (val << 8) | b; bits += 8;
      while (bits >= 5) { out += A[(val >>> (bits - 5)) & 31]; bits -= 5; }
    }
    if (bits > 0) out += A[(val << (5 - bits)) & 31];
    return out;
  }
  const norm = (s) => s.split(':')[0].toLowerCase() + ':' + s.split(':')[1].toUpperCase();

  // Pass 1: raw blocks, digests recomputed over the bytes as stored.
  const payloadLens = [];
  let n = 0;
  for await (const record of new WARCParser(fs.createReadStream(file), { parseHttp: false })) {
    n++;
    const type = record.warcType;
    counts[type] = (counts[type] || 0) + 1;
    const id = record.warcHeader('WARC-Record-ID');
    if (n === 1 && type !== 'warcinfo') failures.push(`first record is ${type}, want warcinfo`);
    if (record.warcHeaders.protocol !== 'WARC/1.1') failures.push(`${id}: version ${record.warcHeaders.protocol}`);
    for (const h of ['WARC-Record-ID', 'WARC-Date', 'WARC-Type', 'Content-Length', 'WARC-Block-Digest']) {
      if (!record.warcHeader(h)) failures.push(`${id || n}: no ${h}`);
    }
    const block = Buffer.from(await record.readFully(false));
    if (block.length !== Number(record.warcHeader('Content-Length'))) {
      failures.push(`${id}: block is ${block.length} bytes, Content-Length says ${record.warcHeader('Content-Length')}`);
    }
    const bd = record.warcHeader('WARC-Block-Digest');
    if (bd) {
      digests++;
      if (norm(digestOf(bd, block)) !== norm(bd)) failures.push(`${id}: WARC-Block-Digest ${bd}, recomputed ${digestOf(bd, block)}`);
    }
    const pd = record.warcHeader('WARC-Payload-Digest');
    if (type === 'response') {
      const end = block.indexOf('\r\n\r\n');
      const payload = end < 0 ? Buffer.alloc(0) : block.subarray(end + 4);
      payloadLens.push(payload.length);
      if (end < 0) failures.push(`${id}: no HTTP head in the block`);
      if (!pd) failures.push(`${id}: response without WARC-Payload-Digest`);
      else {
        digests++;
        if (norm(digestOf(pd, payload)) !== norm(pd)) failures.push(`${id}: WARC-Payload-Digest ${pd}, recomputed ${digestOf(pd, payload)}`);
        payloads.add(norm(pd));
      }
    }
    if (type === 'revisit') {
      if (!pd || !payloads.has(norm(pd))) failures.push(`${id}: revisit of a payload not written before`);
      if (!record.warcHeader('WARC-Refers-To')) failures.push(`${id}: revisit without WARC-Refers-To`);
    }
  }
  // Pass 2: warcio's own HTTP parsing must find a status line and the same payload.
  let i = 0;
  for await (const record of new WARCParser(fs.createReadStream(file))) {
    if (record.warcType !== 'response') continue;
    const id = record.warcHeader('WARC-Record-ID');
    const status = record.httpHeaders && Number(record.httpHeaders.statusCode);
    if (!status) failures.push(`${id}: warcio finds no HTTP status`);
    const payload = await record.readFully(false);
    if (payload.length !== payloadLens[i]) failures.push(`${id}: warcio reads a ${payload.length}-byte payload, want ${payloadLens[i]}`);
    i++;
  }
  if (n === 0) failures.push('no records');
  if (minResp && (counts.response || 0) < Number(minResp)) failures.push(`${counts.response || 0} response records, want at least ${minResp}`);
  if (minRevisits && (counts.revisit || 0) < Number(minRevisits)) failures.push(`${counts.revisit || 0} revisit records, want at least ${minRevisits}`);
  if (failures.length) {
    for (const f of failures) console.error('FAIL warc: ' + f);
    process.exit(1);
  }
  console.log(`warc: ${n} records (${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}), ${digests} digests recomputed`);
})().catch((e) => { console.error('FAIL warc: ' + (e.stack || e)); process.exit(1); });
