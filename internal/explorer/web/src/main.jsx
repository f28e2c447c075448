// Entry point of the copydesk GraphQL explorer bundle.
//
// Built by ../../build.sh into ../../dist/explorer.{js,css}; the Go package
// internal/explorer embeds that output, so nothing here is fetched from any
// host other than the one serving the page.
import React from "react";
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { setNonce } from "get-nonce";
import "./explorer.css";

// The page's Content-Security-Policy allows no inline styles except those
// carrying the per-request nonce that the Go handler puts on our <script>
// tag. react-remove-scroll (used by GraphiQL's dialogs and menus) injects a
// <style> element and takes its nonce from get-nonce. document.currentScript
// is only set while this script runs, so read it at the top level.
const nonce = document.currentScript && document.currentScript.nonce;
if (nonce) {
  setNonce(nonce);
}

// The GraphQL endpoint lives on the same origin as the page.
const httpURL = new URL("/graphql", window.location.href);
const wsURL = new URL(httpURL.href);
wsURL.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";

// Queries and mutations go over HTTP POST; subscriptions go over a
// graphql-ws (graphql-transport-ws protocol) socket. The toolkit passes the
// contents of the headers editor as the socket's connectionParams, so the
// same {"Authorization": "Bearer <token>"} works for subscriptions too.
const fetcher = createGraphiQLFetcher({
  url: httpURL.href,
  subscriptionUrl: wsURL.href,
});

const defaultQuery = `# Welcome to the copydesk GraphQL explorer.
#
# To call the API as a signed-in user, paste this into the
# Headers tab below (it is kept in this browser's storage;
# turn that off under Settings):
#   {"Authorization": "Bearer <token>"}
#
# Run: Ctrl-Enter   Autocomplete: Ctrl-Space
# Prettify: Shift-Ctrl-P   Docs: book icon, top left

query Reports {
  reports(first: 5) {
    edges {
      node {
        id
        title
        slug
      }
    }
  }
}

# The same reports read in Japanese: texts, attendee roles and
# names come from the approved translations, along the fallback
# chain, and "locale" says where each field came from. Pick the
# operation to run with the play button.
query ReportsInJapanese {
  reports(first: 5, locale: "ja") {
    nodes {
      title
      locale { requested complete fields { field locale } }
      attendees { role person { name } }
    }
  }
}
`;

function Explorer() {
  return (
    <GraphiQL
      fetcher={fetcher}
      defaultQuery={defaultQuery}
      isHeadersEditorEnabled={true}
      shouldPersistHeaders={true}
      defaultEditorToolsVisibility="headers"
    />
  );
}

const container = document.getElementById("explorer");
createRoot(container).render(
  <React.StrictMode>
    <Explorer />
  </React.StrictMode>,
);
