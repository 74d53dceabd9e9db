// The research page's reads: the public GraphQL API (POST /graphql) and the public reports
// (GET /reports/{name}.{csv|xlsx}), with the same arguments. The `where` inputs are built exactly
// as web/report_definitions.py builds them from its `town` and `where` parameters, so a chart's
// figures and its CSV/XLSX download answer the same query.

import { graphql } from "./graphql.js";
import { current } from "./research-i18n.js";

export { graphql };

// Every item of a paged list: `after` is the last page's endCursor until hasNextPage is false.
export async function allPages(query, variables, connection, items) {
  const found = [];
  let after = null;
  for (;;) {
    const page = connection(await graphql(query, { ...variables, after }));
    found.push(...page[items]);
    if (!page.pageInfo.hasNextPage) return found;
    after = page.pageInfo.endCursor;
  }
}

// The query's `where`: the category's condition (the report's `where` parameter) ANDed with the
// town's, at `townPath` (the report's `town` parameter), as report_definitions._where does.
export function whereOf(filters, townPath) {
  const where = filters.category ? { category: { eq: filters.category } } : null;
  if (!filters.town) return where;
  let town = { uid: { in: [filters.town] } };
  for (const step of [...townPath].reverse()) town = { [step]: town };
  return where ? { AND: [where, town] } : town;
}

// The report parameters for the same filters: `town`, `where` (the category), and the others given.
export function reportParams(filters, names) {
  const params = {};
  for (const name of names) {
    const value = filters[name];
    if (value === null || value === undefined || value === "") continue;
    if (name === "category") params.where = JSON.stringify({ category: { eq: value } });
    else params[name] = String(value);
  }
  return params;
}

export function reportUrl(report, format, params) {
  const query = new URLSearchParams({ ...params, lang: current.lang });
  return `/reports/${report}.${format}?${query}`;
}

export const orNull = (value) => (value === "" || value === undefined ? null : value);
