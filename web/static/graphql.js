// POST /graphql for the pages (/explore, /research): the public API, in the page's language (its
// errors follow Accept-Language). Throws an Error with the errors' messages, or "The server did
// not answer." from the catalogue when there is no JSON answer.
import { current, t } from "./explore-i18n.js";

export async function graphql(query, variables) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", "Accept-Language": current.lang },
    body: JSON.stringify({ query, variables }),
  }).catch(() => { throw new Error(t("The server did not answer.")); });
  const body = await response.json().catch(() => { throw new Error(t("The server did not answer.")); });
  if (body.errors && body.errors.length) throw new Error(body.errors.map((e) => e.message).join("; "));
  return body.data;
}
