// PostGraphile 5 as bench/read runs it: the Amber preset over copydesk's
// public schema, connected as the cluster's superuser (DATABASE_URL), on
// 127.0.0.1:PORT. PgIndexBehaviorsPlugin is disabled so that every column
// can be ordered and filtered on (report_tags.position, reports.published_at
// have no index of their own), as copydesk's queries need.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

export default {
  extends: [PostGraphileAmberPreset],
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      // copydesk's pool holds 20 connections (internal/postgres); so does this one.
      poolConfig: { max: 20 },
    }),
  ],
  grafserv: { host: "127.0.0.1", port: Number(process.env.PORT), graphiql: false },
  grafast: { explain: false },
};
