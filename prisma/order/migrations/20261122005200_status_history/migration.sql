-- AlterTable
ALTER TABLE "orders" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "order_status_changes" (
    "id" UUID NOT NULL,
    "order_id" UUID NOT NULL,
    "from_status" "OrderStatus",
    "to_status" "OrderStatus" NOT NULL,
    "reason" TEXT,
    "version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "order_status_changes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "order_status_changes_order_id_id_idx" ON "order_status_changes"("order_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "order_status_changes_order_id_version_key" ON "order_status_changes"("order_id", "version");

-- AddForeignKey
ALTER TABLE "order_status_changes" ADD CONSTRAINT "order_status_changes_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Invariants the database enforces whatever the code does (Prisma keeps CHECK constraints out of schema.prisma).
-- Orders placed before this migration keep version 0 and an empty history: their next change is version 1.
ALTER TABLE "orders" ADD CONSTRAINT "orders_version_not_negative" CHECK ("version" >= 0);
ALTER TABLE "order_status_changes" ADD CONSTRAINT "order_status_changes_version_positive" CHECK ("version" > 0);
