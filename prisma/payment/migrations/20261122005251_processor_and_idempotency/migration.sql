-- AlterTable
ALTER TABLE "payments" ADD COLUMN     "failure_reason" TEXT,
ADD COLUMN     "idempotency_key" VARCHAR(100),
ADD COLUMN     "processor_reference" TEXT;

-- CreateTable
CREATE TABLE "cancelled_orders" (
    "order_id" UUID NOT NULL,
    "cancelled_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cancelled_orders_pkey" PRIMARY KEY ("order_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "payments_idempotency_key_key" ON "payments"("idempotency_key");

-- Invariants the database enforces whatever the code does (Prisma keeps CHECK constraints out of schema.prisma).
ALTER TABLE "payments" ADD CONSTRAINT "payments_idempotency_key_format" CHECK ("idempotency_key" ~ '^[A-Za-z0-9_-]{8,100}$');
