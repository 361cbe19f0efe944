// SPDX-License-Identifier: Apache-2.0
// lake-query — runs SQL with DuckDB (npm @duckdb/node-api) and prints each
// result row as one line of JSON, for the lake test (sync_lake.t).
//
//   node lake-query.js 'SELECT …'
//
// Exits 1 with DuckDB's message on stderr when the query fails.
'use strict';
const { DuckDBInstance } = require('@duckdb/node-api');

(async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const reader = await conn.runAndReadAll(process.argv[2]);
    for (const row of reader.getRowObjectsJson()) console.log(JSON.stringify(row));
})().catch((e) => {
    console.error(String(e.message || e));
    process.exit(1);
});
