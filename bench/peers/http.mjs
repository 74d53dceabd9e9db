// The peers' HTTP front, shared by server.mjs (@neo4j/graphql 6.6.4 on FalkorDB's Bolt endpoint)
// and v7/server.mjs (@neo4j/graphql 7 on Neo4j). It imports no package: each server passes in its
// own graphql-js functions (the instance its library's schema was built with) and its routes.
//
// Routes (loopback only):
//   POST /graphql   {query, variables, operationName} -> {data, errors}   (parse + validate + execute
//                   on every request, no document cache: the same work Strawberry does per request)
//   POST /cypher    {name, variables} -> {data}: hand-written Cypher through the same driver
//   GET  /healthz   whatever `health()` returns, after a trivial read
//   GET  /statements  the hand-written statements and parameters (when the server passes `statements`)
import http from "node:http";

const HOST = "127.0.0.1"; // loopback only, whatever the caller asks
const MAX_BODY = 1 << 20;

function readBody(request) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        let size = 0;
        request.on("data", (chunk) => {
            size += chunk.length;
            if (size > MAX_BODY) {
                reject(new Error("request body too large"));
                request.destroy();
                return;
            }
            chunks.push(chunk);
        });
        request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        request.on("error", reject);
    });
}

function send(response, status, body) {
    const text = JSON.stringify(body);
    response.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(text),
    });
    response.end(text);
}

export function graphqlRunner({ parse, validate, execute, specifiedRules }, schema) {
    return async function runGraphQL(payload) {
        const { query, variables, operationName } = payload;
        if (typeof query !== "string") return { status: 400, body: { errors: [{ message: "query must be a string" }] } };
        let document;
        try {
            document = parse(query);
        } catch (error) {
            return { status: 400, body: { errors: [{ message: error.message }] } };
        }
        const validationErrors = validate(schema, document, specifiedRules);
        if (validationErrors.length) return { status: 400, body: { errors: validationErrors.map((e) => e.toJSON()) } };
        const result = await execute({
            schema,
            document,
            variableValues: variables ?? undefined,
            operationName: operationName ?? undefined,
            // A fresh context per request; the library adds its executor (the driver) to it.
            contextValue: {},
        });
        const body = { data: result.data ?? null };
        if (result.errors?.length) body.errors = result.errors.map((e) => e.toJSON());
        return { status: 200, body };
    };
}

// Cursors of the hand-written keyset pages, in dangjian-graph's format (base64 JSON of sort values).
export const decodeCursor = (cursor) => (cursor ? JSON.parse(Buffer.from(cursor, "base64").toString("utf8")) : null);
export const encodeCursor = (values) => Buffer.from(JSON.stringify(values), "utf8").toString("base64");

export function serve({ port, label, runGraphQL, runHandwritten, health, onExit, statements }) {
    const server = http.createServer(async (request, response) => {
        try {
            const url = new URL(request.url, `http://${HOST}`);
            if (request.method === "GET" && url.pathname === "/healthz") {
                send(response, 200, await health());
                return;
            }
            if (request.method === "GET" && url.pathname === "/statements" && statements) {
                // The hand-written statements and their parameters (first page), for profiling.
                send(response, 200, statements());
                return;
            }
            if (request.method === "POST" && (url.pathname === "/graphql" || url.pathname === "/cypher")) {
                const payload = JSON.parse(await readBody(request));
                const { status, body } =
                    url.pathname === "/graphql"
                        ? await runGraphQL(payload)
                        : await runHandwritten(payload.name, payload.variables);
                send(response, status, body);
                return;
            }
            send(response, 404, { errors: [{ message: "POST /graphql, POST /cypher or GET /healthz" }] });
        } catch (error) {
            send(response, 500, { errors: [{ message: String(error?.message ?? error) }] });
        }
    });
    server.keepAliveTimeout = 65_000;
    server.listen(Number(port), HOST, () => {
        console.error(`peer: ${label}, http://${HOST}:${port}/graphql`);
    });
    for (const signal of ["SIGTERM", "SIGINT"]) {
        process.on(signal, async () => {
            server.close();
            server.closeAllConnections?.();
            if (onExit) {
                try {
                    await onExit();
                } catch {
                    // exiting anyway
                }
            }
            process.exit(0);
        });
    }
    return server;
}
