import { defineConfig } from 'prisma/config';
import { MigrationPrismaPg } from './prisma/migration-adapter.js';

// Prisma 6.19 with the JS schema engine: no native engine download (see
// ENGINEERING.md §6). DATABASE_URL must be set for every CLI command.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new MigrationPrismaPg(process.env.DATABASE_URL ?? ''),
});
