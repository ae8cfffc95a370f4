// @nodepilot/store: schema, migrations and the database factory.
export { type Database, type Db, type DbOrTx, type OpenDatabaseOptions, openDatabase, type Tx } from "./database.ts";
export { type EmbeddedServer, embeddedConnectionLimit, startEmbeddedPostgres } from "./embedded.ts";
export { runMigrations } from "./migrate.ts";
export { newId } from "./schema/columns.ts";
export * from "./schema/index.ts";
