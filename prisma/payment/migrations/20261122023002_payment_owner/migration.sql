-- AlterTable
ALTER TABLE "payments" ADD COLUMN     "user_id" UUID;

-- CreateIndex
CREATE INDEX "payments_user_id_idx" ON "payments"("user_id");
