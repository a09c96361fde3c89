// For the Prisma CLI, where its engines can be downloaded (`prisma migrate dev --config prisma/user/prisma.config.ts`).
// The services themselves migrate through shared/db/migrate.ts and need none of this.
import { defineConfig, env } from 'prisma/config';

export default defineConfig({
  schema: 'schema.prisma',
  migrations: { path: 'migrations' },
  datasource: { url: env('USER_DATABASE_URL') },
});
