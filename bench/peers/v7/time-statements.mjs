// Times Cypher statements through neo4j-driver 6 the way the v7 peer runs them (a session per
// request, executeRead), one after another: `node time-statements.mjs BOLT_URL FILE [N]`, where FILE
// holds {name: {cypher, params}}; integer parameters are sent as Bolt integers. Prints JSON
// {name: {p50_ms, mean_ms, rows, available_after_ms, consumed_after_ms}}.
import { readFileSync } from "node:fs";
import neo4j from "neo4j-driver";

const [url, file, count = "500"] = process.argv.slice(2);
const statements = JSON.parse(readFileSync(file, "utf8"));
const driver = neo4j.driver(url, neo4j.auth.none());
const out = {};
for (const [name, { cypher, params }] of Object.entries(statements)) {
    const bound = Object.fromEntries(
        Object.entries(params ?? {}).map(([k, v]) => [k, Number.isInteger(v) ? neo4j.int(v) : v]));
    const run = async () => {
        const session = driver.session({ database: "neo4j", defaultAccessMode: neo4j.session.READ });
        try {
            return await session.executeRead((tx) => tx.run(cypher, bound));
        } finally {
            await session.close();
        }
    };
    for (let i = 0; i < 100; i++) await run();
    const times = [];
    let last;
    for (let i = 0; i < Number(count); i++) {
        const started = process.hrtime.bigint();
        last = await run();
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    times.sort((a, b) => a - b);
    out[name] = {
        p50_ms: +times[times.length >> 1].toFixed(3),
        mean_ms: +(times.reduce((a, b) => a + b, 0) / times.length).toFixed(3),
        rows: last.records.length,
        available_after_ms: last.summary.resultAvailableAfter?.toNumber?.() ?? null,
        consumed_after_ms: last.summary.resultConsumedAfter?.toNumber?.() ?? null,
    };
}
await driver.close();
console.log(JSON.stringify(out));
