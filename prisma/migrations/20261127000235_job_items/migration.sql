-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "items" JSONB;

