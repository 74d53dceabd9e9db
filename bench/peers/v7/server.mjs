// The benchmark peer on its own engine: @neo4j/graphql 7 on Neo4j 5, unpatched.
//
//   node bench/peers/v7/server.mjs --port 8101 --bolt bolt://127.0.0.1:7687 [--typedefs file] [--debug]
//   (or PEER_PORT, PEER_BOLT_URL, PEER_TYPEDEFS; NEO4J_USERNAME/NEO4J_PASSWORD for basic auth)
//
// Routes (../http.mjs, loopback only): POST /graphql; POST /cypher {name, variables}: hand-written
// Cypher for Neo4j, through the SAME driver (neo4j-driver 6), HTTP server and JSON path, shaped
// like dangjian-graph's answers; GET /healthz.
//
// Nothing is patched: the library runs its own `CALL dbms.components()` lookup, its own read
// transactions, the driver's own chunking. The only configuration is the driver's (auth, pool).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import * as graphql from "graphql";
import neo4j from "neo4j-driver";
import { Neo4jGraphQL } from "@neo4j/graphql";

import { decodeCursor, encodeCursor, graphqlRunner, serve } from "../http.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
    options: {
        port: { type: "string", default: process.env.PEER_PORT ?? "8101" },
        bolt: { type: "string", default: process.env.PEER_BOLT_URL ?? "bolt://127.0.0.1:7687" },
        typedefs: { type: "string", default: process.env.PEER_TYPEDEFS ?? path.join(HERE, "typeDefs.graphql") },
        database: { type: "string", default: process.env.NEO4J_DATABASE ?? "neo4j" },
        debug: { type: "boolean", default: false },
    },
});

const auth = process.env.NEO4J_USERNAME
    ? neo4j.auth.basic(process.env.NEO4J_USERNAME, process.env.NEO4J_PASSWORD ?? "")
    : neo4j.auth.none();
const driver = neo4j.driver(args.bolt, auth, {
    maxConnectionPoolSize: 64,
    connectionAcquisitionTimeout: 10_000,
    connectionTimeout: 5_000,
    // Default (lossless) integers: @neo4j/graphql expects them; /cypher converts below.
});

const typeDefs = readFileSync(args.typedefs, "utf8");
const library = new Neo4jGraphQL({ typeDefs, driver, debug: args.debug || undefined });
const schema = await library.getSchema();
const runGraphQL = graphqlRunner(graphql, schema);

// --- Hand-written Cypher for Neo4j 5, shaped like dangjian-graph's answers --------------------
// What an expert writes for Neo4j: anchored on the indexed property, related rows as pattern
// comprehensions or COLLECT subqueries in the projection (no per-row round trips, no maps built
// where a list does), counts from the count store where Neo4j has them.
const toPlain = (value) => {
    if (neo4j.isInt(value)) return value.toNumber();
    if (Array.isArray(value)) return value.map(toPlain);
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
    }
    return value;
};

function gridsPage(size, fields) {
    return {
        cypher: `CALL { MATCH (n:Grid) RETURN count(n) AS total }
MATCH (g:Grid)
WITH total, g ORDER BY g.uid ASC LIMIT $limit
RETURN total, [${fields.map((f) => "g." + f).join(", ")}] AS grid,
       [(d:Department)-[:SUNK_TO]->(g) | [d.name, d.nameEn]] AS departments`,
        params: () => ({ limit: neo4j.int(size + 1) }),
        shape: (rows) => {
            const page = rows.slice(0, size);
            return {
                grids: {
                    totalCount: rows.length ? rows[0].total : 0,
                    pageInfo: {
                        hasNextPage: rows.length > size,
                        endCursor: page.length ? encodeCursor([page[page.length - 1].grid[0]]) : null,
                    },
                    nodes: page.map(({ grid, departments }) => ({
                        ...Object.fromEntries(fields.map((f, i) => [f, grid[i]])),
                        departments: departments.map(([name, nameEn]) => ({ name, nameEn })),
                    })),
                },
            };
        },
    };
}

const HANDWRITTEN = {
    "01-peide-external": {
        cypher: `MATCH (z:Zone {nameEn: $nameEn})
RETURN z.name AS name, z.nameEn AS nameEn,
       [(z)-[:IN_TOWN]->(t:Town) | t.nameEn][0] AS townNameEn,
       [(l:Organisation)-[:LEADS]->(z) | l.name][0] AS leadName,
       [(o:Organisation)-[:SERVES]->(z) | [o.name, o.kind, o.source]] AS external`,
        params: () => ({ nameEn: "Peide" }),
        shape: (rows) => ({
            zones: {
                totalCount: rows.length,
                nodes: rows.map((r) => ({
                    name: r.name,
                    nameEn: r.nameEn,
                    town: r.townNameEn === null ? null : { nameEn: r.townNameEn },
                    lead: r.leadName === null ? null : { name: r.leadName },
                    externalOrganisations: r.external.map(([name, kind, source]) => ({ name, kind, source })),
                })),
            },
        }),
    },
    "02-nanzhuang-entrepreneur-secretaries": {
        cypher: `MATCH (:Town {nameEn: $town})<-[:IN_TOWN]-(:Community {kind: 'VILLAGE'})<-[:BASED_IN]-(:Organisation)<-[:SECRETARY_OF]-(m:Member)
WHERE EXISTS { (m)-[:RUNS]->(:Enterprise) }
WITH DISTINCT m
RETURN m.name AS name,
       [(m)-[:RUNS]->(e:Enterprise) | e.name] AS enterprises,
       [(m)-[:SECRETARY_OF]->(o:Organisation) | [o.name, [(o)-[:BASED_IN]->(oc:Community) | oc.name][0]]] AS secretaryOf`,
        params: () => ({ town: "Nanzhuang" }),
        shape: (rows) => ({
            members: {
                totalCount: rows.length,
                nodes: rows.map((r) => ({
                    name: r.name,
                    enterprises: r.enterprises.map((name) => ({ name })),
                    secretaryOf: r.secretaryOf.map(([name, community]) => ({
                        name,
                        community: community === null ? null : { name: community },
                    })),
                })),
            },
        }),
    },
    "03-nanzhuang-villages": {
        cypher: `MATCH (:Town {nameEn: $town})<-[:IN_TOWN]-(c:Community {kind: 'VILLAGE'})
RETURN count(c) AS total`,
        params: () => ({ town: "Nanzhuang" }),
        shape: (rows) => ({ communities: { totalCount: rows[0].total } }),
    },
    "04-grids": gridsPage(5, ["uid", "name"]),
    "05-zumiao-zones-paged": {
        // Keyset paging on (name, uid), like dangjian-graph's cursors; the total in the same statement.
        cypher: `MATCH (t:Town {nameEn: $town})
CALL { WITH t MATCH (zall:Zone)-[:IN_TOWN]->(t) RETURN count(zall) AS total }
MATCH (z:Zone)-[:IN_TOWN]->(t)
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
    "06-grids-100": gridsPage(100, ["uid", "name", "number"]),
    "07-nested-3-levels-100": {
        // 100 zones by uid, their external organisations by uid, each one's first 5 members by uid.
        cypher: `MATCH (z:Zone)
WITH z ORDER BY z.uid LIMIT $limit
RETURN z.uid AS uid, z.name AS name,
       COLLECT {
           MATCH (z)<-[:SERVES]-(o:Organisation)
           WITH o ORDER BY o.uid
           RETURN [o.uid, o.name, COLLECT {
               MATCH (o)<-[:MEMBER_OF]-(m:Member)
               WITH m ORDER BY m.uid LIMIT 5
               RETURN [m.uid, m.name]
           }]
       } AS organisations`,
        params: () => ({ limit: neo4j.int(100) }),
        shape: (rows) => ({
            zones: {
                nodes: rows.map((r) => ({
                    uid: r.uid,
                    name: r.name,
                    externalOrganisations: r.organisations.map(([uid, name, members]) => ({
                        uid,
                        name,
                        members: members.map(([muid, mname]) => ({ uid: muid, name: mname })),
                    })),
                })),
            },
        }),
    },
};

async function runHandwritten(name, variables) {
    const entry = HANDWRITTEN[name];
    if (!entry) return { status: 404, body: { errors: [{ message: `no hand-written query ${name}` }] } };
    // The same path the library takes for a read: a session on the database, a managed read transaction.
    const session = driver.session({ database: args.database, defaultAccessMode: neo4j.session.READ });
    try {
        const result = await session.executeRead((tx) => tx.run(entry.cypher, entry.params(variables)));
        const rows = result.records.map((record) => toPlain(record.toObject()));
        return { status: 200, body: { data: entry.shape(rows) } };
    } finally {
        await session.close();
    }
}

serve({
    port: args.port,
    label: `@neo4j/graphql 7 on ${args.bolt}`,
    runGraphQL,
    runHandwritten,
    health: async () => {
        const info = await driver.getServerInfo();
        const session = driver.session({ database: args.database, defaultAccessMode: neo4j.session.READ });
        try {
            const result = await session.executeRead((tx) =>
                tx.run("CALL dbms.components() YIELD name, versions, edition RETURN name, versions[0] AS version, edition"));
            const component = result.records[0]?.toObject() ?? {};
            return { status: "ok", bolt: args.bolt, server: info.agent, protocol: info.protocolVersion, ...component };
        } finally {
            await session.close();
        }
    },
    onExit: () => driver.close(),
    statements: () =>
        Object.fromEntries(Object.entries(HANDWRITTEN).map(([name, entry]) => [name, { cypher: entry.cypher, params: toPlain(entry.params({})) }])),
});
