// SPDX-License-Identifier: Apache-2.0
// verify-webhooks — checks recorded webhook requests with the standardwebhooks
// npm package (the Standard Webhooks reference library), as a receiver would.
//
//   node verify-webhooks.js SECRET REQUESTS.json [CLOCK_OFFSET_S]
//
// REQUESTS.json is an array of {headers: {name: value}, body_b64}. Prints one
// JSON line per request: {"ok": true} or {"ok": false, "error": message}.
// CLOCK_OFFSET_S moves the verifier's clock (a replay of captured requests
// that many seconds later).
'use strict';
const fs = require('fs');
const { Webhook } = require('standardwebhooks');

const [secret, file, offset] = process.argv.slice(2);
if (offset) {
    const shift = Number(offset) * 1000;
    const now = Date.now;
    Date.now = () => now() + shift;
}
const wh = new Webhook(secret);
for (const r of JSON.parse(fs.readFileSync(file, 'utf8'))) {
    const headers = {};
    for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = v;
    // The library parses a verified body as JSON unless told not to: NDJSON
    // (format = ndjson) is verified with jsonParse: false, as a receiver would.
    const ndjson = /ndjson/.test(headers['content-type'] || '');
    try {
        wh.verify(Buffer.from(r.body_b64, 'base64').toString('utf8'), headers, { jsonParse: !ndjson });
        console.log(JSON.stringify({ ok: true }));
    } catch (e) {
        console.log(JSON.stringify({ ok: false, error: String(e.message || e) }));
    }
}
