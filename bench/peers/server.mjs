// The benchmark peer: @neo4j/graphql v6.6.4 over FalkorDB's experimental Bolt endpoint.
//
//   node bench/peers/server.mjs --port 8100 --bolt bolt://127.0.0.1:23456 [--typedefs file] [--debug]
//   (or PEER_PORT, PEER_BOLT_URL, PEER_TYPEDEFS)
//
// Routes (http.mjs, loopback only): POST /graphql; POST /cypher {name, variables}: hand-written Cypher
// for the benchmark's queries, through the SAME driver, HTTP server and JSON path, shaped like
// dangjian-graph's answers (the baseline the library's own cost is measured against); GET /healthz.
//
// Patches needed on FalkorDB (see README.md): the database-info lookup reports Neo4j 5.x, since
// FalkorDB has no dbms.components(); no auth token; reads via session.executeRead (the library's
// default when given a driver); the driver is never closed while the process runs.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import * as graphql from "graphql";
import neo4j from "neo4j-driver";
import { Neo4jGraphQL } from "@neo4j/graphql";

import { decodeCursor, encodeCursor, graphqlRunner, serve } from "./http.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
    options: {
        port: { type: "string", default: process.env.PEER_PORT ?? "8100" },
        bolt: { type: "string", default: process.env.PEER_BOLT_URL ?? "bolt://127.0.0.1:7687" },
        typedefs: { type: "string", default: process.env.PEER_TYPEDEFS ?? path.join(HERE, "typeDefs.graphql") },
        "reported-version": { type: "string", default: "5.26.0" },
        debug: { type: "boolean", default: false },
    },
});

// --- Patch 1: the database-info lookup -------------------------------------------------------
// @neo4j/graphql runs `CALL dbms.components()` before the first query (and again on every request
// until it succeeds). FalkorDB has no such procedure. The library reads getNeo4jDatabaseInfo from
// the CommonJS exports object at call time, so replacing the export is enough. The exports map
// hides dist/, so the module is loaded by absolute path (the same cached module instance).
const require = createRequire(import.meta.url);
const libraryDist = path.dirname(require.resolve("@neo4j/graphql"));
const dbInfoModule = require(path.join(libraryDist, "classes", "Neo4jDatabaseInfo.js"));
const REPORTED = new dbInfoModule.Neo4jDatabaseInfo(args["reported-version"], "enterprise");
let versionLookups = 0;
dbInfoModule.getNeo4jDatabaseInfo = async () => {
    versionLookups += 1;
    return REPORTED;
};

// --- Patch 2: one Bolt chunk per message ----------------------------------------------------
// neo4j-driver's Chunker splits every outgoing message into 1,400-byte chunks, flushing each one
// as a separate socket write. FalkorDB's Bolt reader (4.16.3) cannot reassemble a message that
// spans chunks: it blocks, then segfaults in buffer_read when the connection closes, taking the
// whole server down. A @neo4j/graphql statement with a few nested filters is already ~1.5 KB.
// A larger chunk buffer sends each message as one chunk (so messages up to FalkorDB's own ~4 KB
// read limit work). Byte-for-byte the same protocol, just fewer chunk headers.
const BOLT_CHUNK_BYTES = 16_384;
{
    const driverRequire = createRequire(require.resolve("neo4j-driver"));
    const boltLib = path.dirname(driverRequire.resolve("neo4j-driver-bolt-connection"));
    const chunking = driverRequire(path.join(boltLib, "channel", "chunking.js"));
    const OriginalChunker = chunking.Chunker;
    // channel/index.js re-exports Chunker through a getter that reads this property at call time.
    chunking.Chunker = function OneChunkPerMessage(channel, bufferSize) {
        return new OriginalChunker(channel, bufferSize || BOLT_CHUNK_BYTES);
    };
}
// FalkorDB also dies on any single message over ~4 KB (tested: 4,000 B of parameters pass, 4,100
// crash it); refuse such statements here instead of crashing the shared server. The estimate is
// the statement plus its JSON parameters (PackStream is never larger than that for these types).
const MAX_BOLT_MESSAGE_BYTES = 3_900;
const boltMessageEstimate = (query, parameters) =>
    Buffer.byteLength(query) + Buffer.byteLength(JSON.stringify(parameters ?? {}, (k, v) => (neo4j.isInt(v) ? 0 : v)));
function assertSmallEnough(query, parameters) {
    const size = boltMessageEstimate(query, parameters);
    if (size > MAX_BOLT_MESSAGE_BYTES) {
        throw new Error(`statement of ~${size} bytes refused: FalkorDB's Bolt endpoint crashes on messages over ~4 KB`);
    }
}
{
    const { Executor } = require(path.join(libraryDist, "classes", "Executor.js"));
    const transactionRun = Executor.prototype.transactionRun;
    Executor.prototype.transactionRun = function guardedTransactionRun(query, parameters, transaction) {
        assertSmallEnough(query, parameters);
        return transactionRun.call(this, query, parameters, transaction);
    };
}

// --- The driver: no auth, never closed --------------------------------------------------------
const driver = neo4j.driver(args.bolt, neo4j.auth.none(), {
    maxConnectionPoolSize: 64,
    connectionAcquisitionTimeout: 10_000,
    connectionTimeout: 5_000,
    maxTransactionRetryTime: 5_000, // bounded: a dead endpoint fails a request in seconds, not 30 s
    // Default (lossless) integers: @neo4j/graphql expects them; /cypher converts below.
});

const typeDefs = readFileSync(args.typedefs, "utf8");
const library = new Neo4jGraphQL({ typeDefs, driver, debug: args.debug || undefined });
const schema = await library.getSchema();

// --- Hand-written Cypher, shaped like dangjian-graph's answers ------------------------------
// Every LIMIT is a neo4j.int: a JS number goes over Bolt as a float and FalkorDB refuses it.
const toPlain = (value) => {
    if (neo4j.isInt(value)) return value.toNumber();
    if (Array.isArray(value)) return value.map(toPlain);
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
    }
    return value;
};

// A first page of grids sorted by uid, with their departments (dangjian-graph's shape).
function gridsPage(size, fields) {
    return {
        cypher: `MATCH (all:Grid) WITH count(all) AS total
MATCH (g:Grid)
WITH total, g ORDER BY g.uid ASC LIMIT $limit
RETURN total, g {${fields.map((f) => "." + f).join(", ")}} AS grid,
       [(d:Department)-[:SUNK_TO]->(g) | d {.name, .nameEn}] AS departments`,
        params: () => ({ limit: neo4j.int(size + 1) }),
        shape: (rows) => {
            const page = rows.slice(0, size);
            return {
                grids: {
                    totalCount: rows.length ? rows[0].total : 0,
                    pageInfo: {
                        hasNextPage: rows.length > size,
                        endCursor: page.length ? encodeCursor([page[page.length - 1].grid.uid]) : null,
                    },
                    nodes: page.map(({ grid, departments }) => ({ ...grid, departments })),
                },
            };
        },
    };
}

const HANDWRITTEN = {
    "01-peide-external": {
        cypher: `MATCH (z:Zone) WHERE z.nameEn = $nameEn
OPTIONAL MATCH (z)-[:IN_TOWN]->(t:Town)
OPTIONAL MATCH (l:Organisation)-[:LEADS]->(z)
RETURN z.name AS name, z.nameEn AS nameEn, t.nameEn AS townNameEn, l.name AS leadName,
       [(o:Organisation)-[:SERVES]->(z) | o {.name, .kind, .source}] AS external`,
        params: () => ({ nameEn: "Peide" }),
        shape: (rows) => ({
            zones: {
                totalCount: rows.length,
                nodes: rows.map((r) => ({
                    name: r.name,
                    nameEn: r.nameEn,
                    town: r.townNameEn === null ? null : { nameEn: r.townNameEn },
                    lead: r.leadName === null ? null : { name: r.leadName },
                    externalOrganisations: r.external,
                })),
            },
        }),
    },
    "02-nanzhuang-entrepreneur-secretaries": {
        // "Runs an enterprise" as a traversal, not a WHERE pattern predicate: on FalkorDB 4.16 the
        // predicate form costs ~5 ms here, the traversal ~0.3 ms.
        cypher: `MATCH (t:Town)<-[:IN_TOWN]-(c:Community)<-[:BASED_IN]-(:Organisation)<-[:SECRETARY_OF]-(m:Member)-[:RUNS]->(:Enterprise)
WHERE t.nameEn = $town AND c.kind = 'VILLAGE'
WITH DISTINCT m
CALL {
    WITH m
    MATCH (m)-[:RUNS]->(e:Enterprise)
    RETURN collect(e {.name}) AS enterprises
}
CALL {
    WITH m
    MATCH (m)-[:SECRETARY_OF]->(o:Organisation)
    OPTIONAL MATCH (o)-[:BASED_IN]->(oc:Community)
    RETURN collect({name: o.name, community: CASE WHEN oc IS NULL THEN NULL ELSE {name: oc.name} END}) AS secretaryOf
}
RETURN m.name AS name, enterprises, secretaryOf`,
        params: () => ({ town: "Nanzhuang" }),
        shape: (rows) => ({ members: { totalCount: rows.length, nodes: rows } }),
    },
    "03-nanzhuang-villages": {
        cypher: `MATCH (c:Community)-[:IN_TOWN]->(t:Town)
WHERE c.kind = 'VILLAGE' AND t.nameEn = $town
RETURN count(c) AS total`,
        params: () => ({ town: "Nanzhuang" }),
        shape: (rows) => ({ communities: { totalCount: rows[0].total } }),
    },
    "04-grids": gridsPage(5, ["uid", "name"]),
    // Not a contract query: a 100-grid page, so the answer (~20 KB over Bolt) spans several of
    // FalkorDB's 4 KB reply chunks; this is the one the TCP_NODELAY shim matters for.
    "06-grids-100": gridsPage(100, ["uid", "name", "number"]),
    // Not a contract query: the 3-level query of bench/queries.py, with the members ordered by uid
    // (dangjian-graph's order, so that every API returns the same 5).
    "07-nested-3-levels-100": {
        cypher: `MATCH (z:Zone) WITH z ORDER BY z.uid LIMIT $limit
OPTIONAL MATCH (z)<-[:SERVES]-(o:Organisation)
CALL { WITH o MATCH (o)<-[:MEMBER_OF]-(m:Member) WITH m ORDER BY m.uid LIMIT 5 RETURN collect([m.uid, m.name]) AS ms }
WITH z, collect(CASE WHEN o IS NULL THEN null ELSE [o.uid, o.name, ms] END) AS os
RETURN z.uid AS uid, z.name AS name, os ORDER BY uid`,
        params: () => ({ limit: neo4j.int(100) }),
        shape: (rows) => ({
            zones: {
                nodes: rows.map((r) => ({
                    uid: r.uid,
                    name: r.name,
                    externalOrganisations: r.os.map(([uid, name, members]) => ({
                        uid,
                        name,
                        members: members.map(([muid, mname]) => ({ uid: muid, name: mname })),
                    })),
                })),
            },
        }),
    },
    "05-zumiao-zones-paged": {
        // Keyset paging on (name, uid), like dangjian-graph's cursors.
        cypher: `MATCH (t0:Town) WHERE t0.nameEn = $town
MATCH (zall:Zone)-[:IN_TOWN]->(t0) WITH t0, count(zall) AS total
MATCH (z:Zone)-[:IN_TOWN]->(t0)
WHERE $afterName IS NULL OR z.name > $afterName OR (z.name = $afterName AND z.uid > $afterUid)
WITH total, z ORDER BY z.name ASC, z.uid ASC LIMIT $limit
RETURN total, z.uid AS uid, z.name AS name`,
        params: (variables) => {
            const after = decodeCursor(variables?.after ?? null);
            return {
                town: "Zumiao",
                afterName: after ? after[0] : null,
                afterUid: after ? after[1] : null,
                limit: neo4j.int(6),
            };
        },
        // The total is computed before the keyset filter, so a last page that is empty still
        // knows it; a page past the end returns no rows at all and a total of 0 is never right,
        // so the count is taken again in that case.
        shape: (rows) => {
            const page = rows.slice(0, 5);
            return {
                zones: {
                    totalCount: rows.length ? rows[0].total : null,
                    pageInfo: {
                        hasNextPage: rows.length > 5,
                        endCursor: page.length ? encodeCursor([page[page.length - 1].name, page[page.length - 1].uid]) : null,
                    },
                    edges: page.map(({ uid, name }) => ({ cursor: encodeCursor([name, uid]), node: { uid, name } })),
                },
            };
        },
    },
};

async function runHandwritten(name, variables) {
    const entry = HANDWRITTEN[name];
    if (!entry) return { status: 404, body: { errors: [{ message: `no hand-written query ${name}` }] } };
    const session = driver.session({ database: "neo4j", defaultAccessMode: neo4j.session.READ });
    try {
        const params = entry.params(variables);
        assertSmallEnough(entry.cypher, params);
        const result = await session.executeRead((tx) => tx.run(entry.cypher, params));
        const rows = result.records.map((record) => toPlain(record.toObject()));
        return { status: 200, body: { data: entry.shape(rows) } };
    } finally {
        await session.close();
    }
}

// --- HTTP (http.mjs) ---------------------------------------------------------------------------
// The driver is closed only as the process exits (never: a Bolt GOODBYE followed by a new
// connection hangs FalkorDB's handshake), so onExit does nothing.
serve({
    port: args.port,
    label: `@neo4j/graphql 6.6.4 on ${args.bolt}`,
    runGraphQL: graphqlRunner(graphql, schema),
    runHandwritten,
    health: async () => {
        const session = driver.session({ database: "neo4j", defaultAccessMode: neo4j.session.READ });
        try {
            await session.executeRead((tx) => tx.run("RETURN 1 AS ok"));
        } finally {
            await session.close();
        }
        return { status: "ok", bolt: args.bolt, versionLookups };
    },
});
